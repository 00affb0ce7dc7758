#include "trimcheck/conform/detail/gzip_file.hpp"

#include <zlib.h>

#include <array>
#include <memory>

namespace trimcheck::conform::detail {
namespace {

struct GzCloser {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

std::string gz_error(gzFile file) {
  int code = Z_OK;
  const char *message = gzerror(file, &code);
  return code == Z_ERRNO ? "read error" : (message != nullptr ? message : "unknown error");
}

} // namespace

std::string read_gzip_or_plain(const std::filesystem::path &file) {
  if (!std::filesystem::is_regular_file(file))
    throw GzipFileError(file.string() + ": cannot be read (no such file)");
  GzHandle handle(gzopen(file.c_str(), "rb")); // reads plain files transparently
  if (!handle)
    throw GzipFileError(file.string() + ": cannot be read");
  std::string text;
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const int got = gzread(handle.get(), buffer.data(), buffer.size());
    if (got < 0)
      throw GzipFileError(file.string() + ": corrupt gzip data (" + gz_error(handle.get()) + ")");
    if (got == 0)
      break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  // A truncated stream ends without an error from gzread in some zlib versions.
  if (gzdirect(handle.get()) == 0) {
    int code = Z_OK;
    gzerror(handle.get(), &code);
    if (code != Z_OK && code != Z_STREAM_END)
      throw GzipFileError(file.string() + ": corrupt gzip data (" + gz_error(handle.get()) + ")");
  }
  return text;
}

void write_gzip(const std::filesystem::path &file, const std::string &text) {
  GzHandle handle(gzopen(file.c_str(), "wb9"));
  if (!handle)
    throw GzipFileError(file.string() + ": cannot be written");
  std::size_t written = 0;
  while (written < text.size()) {
    const std::size_t chunk = std::min<std::size_t>(text.size() - written, 1 << 20);
    if (gzwrite(handle.get(), text.data() + written, static_cast<unsigned>(chunk)) <= 0)
      throw GzipFileError(file.string() + ": cannot be written (" + gz_error(handle.get()) + ")");
    written += chunk;
  }
  if (gzclose(handle.release()) != Z_OK)
    throw GzipFileError(file.string() + ": cannot be written (close failed)");
}

} // namespace trimcheck::conform::detail
