// Sorts, uninterpreted functions and their axioms (see detail/encoding.hpp).
#include "trimcheck/prove/detail/encoding.hpp"

namespace trimcheck::prove::detail {

namespace {

z3::sort make_seq(z3::context &ctx, z3::sort element) {
  return ctx.seq_sort(element);
}

} // namespace

Vocabulary::Vocabulary(z3::context &context)
    : ctx(context), record(context.int_sort()), records(make_seq(ctx, record)),
      digest(context.uninterpreted_sort("Digest")),
      content_set(context.array_sort(context.int_sort(), context.bool_sort())),
      content_count(context.array_sort(context.int_sort(), context.int_sort())),
      content(context.function("content", record, context.int_sort())),
      size(context.function("size", record, context.int_sort())),
      is_violation(context.function("is_violation", record, context.bool_sort())),
      digest_of(context.function("digest_of", context.int_sort(), digest)),
      digest_content(context.function("digest_content", digest, context.int_sort())),
      extend(context.function("extend", digest, digest, digest)),
      extend_from(context.function("extend_from", digest, digest)),
      extend_with(context.function("extend_with", digest, digest)),
      chain(context.function("chain", records, digest)),
      total_size(context.function("total_size", records, context.int_sort())),
      pcr_zero(context.constant("pcr_zero", digest)),
      violation_value(context.constant("ff_digest", digest)) {}

z3::expr_vector Vocabulary::axioms() const {
  z3::expr_vector out(ctx);
  // The fold of the empty history is the reset value; the size of nothing is 0.
  out.push_back(chain(z3::empty(records)) == pcr_zero);
  out.push_back(total_size(z3::empty(records)) == 0);
  return out;
}

z3::expr Vocabulary::digest_term(const z3::expr &content_value, z3::expr_vector &facts) const {
  z3::expr d = digest_of(content_value);
  facts.push_back(digest_content(d) == content_value);
  facts.push_back(d != violation_value);
  return d;
}

z3::expr Vocabulary::extend_term(const z3::expr &value, const z3::expr &with,
                                 z3::expr_vector &facts) const {
  z3::expr e = extend(value, with);
  facts.push_back(extend_from(e) == value && extend_with(e) == with);
  return e;
}

} // namespace trimcheck::prove::detail
