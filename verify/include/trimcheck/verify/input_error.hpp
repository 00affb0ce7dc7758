// Malformed verifier input (exit code 2 of `trimcheck verify`).
//
// Every input the verifier reads comes from a file the user named: list chunks, the
// current list, PCR values, a quote message, its signature, the AK public key, a
// checkpoint. When one of them cannot be interpreted, the verifier does not guess: it
// stops with one InputError whose message names the file and the place in it (a byte
// offset, a record index, a JSON key or a line), e.g.
//   "quote.msg: byte 6: TPM2B_NAME of 300 bytes runs past the end (40 bytes remain)".
// This is distinct from a log that parses but does not verify (a VerifyReport with a
// Failure, exit code 1): bad input says nothing about the integrity of the system.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace trimcheck::verify {

// `text` as it may appear in a one-line message: a newline as \n, a tab as \t, a backslash
// as \\ and every other byte outside printable ASCII as \xNN, so that a path or a record's
// file name with raw bytes or newlines stays one line and can be told apart from another.
std::string printable(std::string_view text);

class InputError : public std::runtime_error {
public:
  // `source` is the file (or option) name, `where_and_what` the place and the problem.
  InputError(const std::string &source, const std::string &where_and_what)
      : std::runtime_error(printable(source) + ": " + where_and_what) {}
};

} // namespace trimcheck::verify
