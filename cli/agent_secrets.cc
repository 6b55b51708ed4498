#include "cli/agent_secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace shoal {

namespace {

// A key file holds one base64 key (44 characters) and maybe a newline or comment: reading more
// than this is a mistake (wrong file), not a key.
constexpr std::size_t kMaxKeyFileBytes = 4096;

void wipe(char* s) {
  for (; *s != '\0'; ++s) *s = 'x';
}

}  // namespace

void wipe_key_from_process(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    if (std::strcmp(argv[i], "--key") == 0 && i + 1 < argc) wipe(argv[++i]);
    else if (std::strncmp(argv[i], "--key=", 6) == 0) wipe(argv[i] + 6);
  }
  if (char* v = std::getenv("SHOAL_KEY")) {
    wipe(v);
    ::unsetenv("SHOAL_KEY");
  }
}

Status load_key_file(AgentConfig& config) {
  if (config.key_file.empty()) return {};
  const std::string& path = config.key_file;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("--key-file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return make_error("--key-file " + path + ": readable by group or others; run `chmod 600 " + path + "`");
  }
  std::string text(kMaxKeyFileBytes + 1, '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) return make_error("--key-file " + path + ": " + std::strerror(errno));
  if (static_cast<std::size_t>(n) > kMaxKeyFileBytes)
    return make_error("--key-file " + path + ": larger than " + std::to_string(kMaxKeyFileBytes) +
                      " bytes; it should hold one key from `shoal keygen`");
  text.resize(static_cast<std::size_t>(n));
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.empty()) return make_error("--key-file " + path + ": empty; put a key from `shoal keygen` in it");
  config.key_b64 = text;
  std::fill(text.begin(), text.end(), '\0');
  return {};
}

}  // namespace shoal
