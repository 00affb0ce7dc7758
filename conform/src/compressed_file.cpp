#include "trimcheck/conform/detail/compressed_file.hpp"

#include <lzma.h>
#include <zlib.h>

#include <array>
#include <fstream>
#include <iterator>
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

// gzip data, or plain bytes (gzread passes them through).
std::string read_gzip_or_plain(const std::filesystem::path &file) {
  GzHandle handle(gzopen(file.c_str(), "rb"));
  if (!handle)
    throw CompressedFileError(file.string() + ": cannot be read");
  std::string text;
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const int got = gzread(handle.get(), buffer.data(), buffer.size());
    if (got < 0)
      throw CompressedFileError(file.string() + ": corrupt gzip data (" + gz_error(handle.get()) +
                                ")");
    if (got == 0)
      break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  // A truncated stream ends without an error from gzread in some zlib versions.
  if (gzdirect(handle.get()) == 0) {
    int code = Z_OK;
    gzerror(handle.get(), &code);
    if (code != Z_OK && code != Z_STREAM_END)
      throw CompressedFileError(file.string() + ": corrupt gzip data (" + gz_error(handle.get()) +
                                ")");
  }
  return text;
}

struct LzmaStream {
  lzma_stream stream = LZMA_STREAM_INIT;
  LzmaStream() = default;
  LzmaStream(const LzmaStream &) = delete;
  LzmaStream &operator=(const LzmaStream &) = delete;
  ~LzmaStream() { lzma_end(&stream); }
};

std::string lzma_problem(lzma_ret code) {
  switch (code) {
  case LZMA_MEM_ERROR:
    return "out of memory";
  case LZMA_FORMAT_ERROR:
    return "not xz data";
  case LZMA_OPTIONS_ERROR:
    return "unsupported xz options";
  case LZMA_DATA_ERROR:
    return "corrupt data";
  case LZMA_BUF_ERROR:
    return "truncated stream";
  default:
    return "liblzma error " + std::to_string(static_cast<int>(code));
  }
}

// Runs `stream` over all of `input` to the end of the stream, appending to the result.
// Returns the liblzma code that ended it (LZMA_STREAM_END when all went well).
lzma_ret run_lzma(lzma_stream &stream, const std::string &input, std::string &output) {
  stream.next_in = reinterpret_cast<const std::uint8_t *>(input.data());
  stream.avail_in = input.size();
  std::array<std::uint8_t, 1 << 16> buffer{};
  for (;;) {
    stream.next_out = buffer.data();
    stream.avail_out = buffer.size();
    const lzma_ret code = lzma_code(&stream, LZMA_FINISH);
    output.append(reinterpret_cast<const char *>(buffer.data()), buffer.size() - stream.avail_out);
    if (code != LZMA_OK)
      return code;
  }
}

std::string decompress_xz(const std::filesystem::path &file, const std::string &bytes) {
  LzmaStream xz;
  if (lzma_stream_decoder(&xz.stream, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    throw CompressedFileError(file.string() + ": cannot start the xz decoder");
  std::string text;
  if (const lzma_ret code = run_lzma(xz.stream, bytes, text); code != LZMA_STREAM_END)
    throw CompressedFileError(file.string() + ": corrupt xz data (" + lzma_problem(code) + ")");
  return text;
}

bool starts_with_xz_magic(const std::string &bytes) {
  static constexpr std::string_view kMagic{"\xFD"
                                           "7zXZ\0",
                                           6};
  return bytes.compare(0, kMagic.size(), kMagic) == 0;
}

} // namespace

std::string read_compressed_or_plain(const std::filesystem::path &file) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (std::filesystem::is_directory(status))
    throw CompressedFileError(file.string() + ": is a directory, not a file");
  if (!std::filesystem::exists(status))
    throw CompressedFileError(file.string() + ": cannot be read (no such file)");
  if (!std::filesystem::is_regular_file(status))
    throw CompressedFileError(file.string() + ": is not a regular file");
  std::ifstream in(file, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in && !in.eof())
    throw CompressedFileError(file.string() + ": cannot be read");
  return starts_with_xz_magic(bytes) ? decompress_xz(file, bytes) : read_gzip_or_plain(file);
}

void write_gzip(const std::filesystem::path &file, const std::string &text) {
  GzHandle handle(gzopen(file.c_str(), "wb9"));
  if (!handle)
    throw CompressedFileError(file.string() + ": cannot be written");
  std::size_t written = 0;
  while (written < text.size()) {
    const std::size_t chunk = std::min<std::size_t>(text.size() - written, 1 << 20);
    if (gzwrite(handle.get(), text.data() + written, static_cast<unsigned>(chunk)) <= 0)
      throw CompressedFileError(file.string() + ": cannot be written (" + gz_error(handle.get()) +
                                ")");
    written += chunk;
  }
  if (gzclose(handle.release()) != Z_OK)
    throw CompressedFileError(file.string() + ": cannot be written (close failed)");
}

void write_xz(const std::filesystem::path &file, const std::string &text) {
  LzmaStream xz;
  if (lzma_easy_encoder(&xz.stream, 9 | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC64) != LZMA_OK)
    throw CompressedFileError(file.string() + ": cannot start the xz encoder");
  std::string compressed;
  if (const lzma_ret code = run_lzma(xz.stream, text, compressed); code != LZMA_STREAM_END)
    throw CompressedFileError(file.string() + ": cannot be compressed (" + lzma_problem(code) +
                              ")");
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
  out.close();
  if (!out)
    throw CompressedFileError(file.string() + ": cannot be written");
}

} // namespace trimcheck::conform::detail
