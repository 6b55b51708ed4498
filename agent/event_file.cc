#include "agent/event_file.h"

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include "agent/atomic_file.h"
#include "common/node_id.h"
#include "common/unique_fd.h"
#include "image/file_io.h"

namespace shoal {
namespace {

// The file is at most 2 * capacity lines of at most kMaxEventLineBytes each, usually ~200 bytes.
constexpr std::size_t kMaxEventFileBytes = std::size_t{256} << 20;

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

nlohmann::json event_object(const node::ClusterEvent& e) {
  return {{"seq", e.seq}, {"time_ms", e.time_ms}, {"type", node::to_string(e.type)},
          {"action", e.action}, {"name", e.name}, {"attributes", e.attributes}};
}

std::string event_json(const node::ClusterEvent& e) {
  return event_object(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_event_line(const node::ClusterEvent& e) {
  std::string json = event_json(e);
  return hex16(stable_hash(json)) + " " + json + "\n";
}

Result<node::ClusterEvent> decode_event_line(std::string_view line) {
  if (line.size() > kMaxEventLineBytes) return make_error("event line longer than 64 KiB");
  if (line.size() < 18 || line[16] != ' ') return make_error("event line without its checksum");
  std::string_view json = line.substr(17);
  if (hex16(stable_hash(json)) != line.substr(0, 16)) return make_error("event line fails its checksum");
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return make_error("event line is not a JSON object");
  try {
    node::ClusterEvent e;
    e.seq = j.at("seq").get<std::uint64_t>();
    e.time_ms = j.at("time_ms").get<std::uint64_t>();
    auto type = node::parse_event_type(j.at("type").get<std::string>());
    if (!type) return make_error("event line has an unknown type");
    e.type = *type;
    e.action = j.at("action").get<std::string>();
    e.name = j.at("name").get<std::string>();
    e.attributes = j.at("attributes").get<std::map<std::string, std::string>>();
    return e;
  } catch (const nlohmann::json::exception& ex) {
    return make_error(std::string("event line: ") + ex.what());
  }
}

Status EventFile::load(node::EventLog& log) {
  if (::access(path_.c_str(), F_OK) != 0) return {};
  auto text = image::read_file_bounded(path_, kMaxEventFileBytes);
  if (!text) return make_error("events file " + path_ + ": " + text.message());
  std::size_t start = 0;
  while (start < text->size()) {
    std::size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();  // a torn last line: fails below
    auto e = decode_event_line(std::string_view(*text).substr(start, end - start));
    ++lines_;
    if (!e || !log.restore(std::move(*e))) ++bad_lines_;
    start = end + 1;
  }
  return {};
}

Status EventFile::append(const node::ClusterEvent& e, const node::EventLog& log) {
  if (lines_ + 1 > 2 * log.capacity()) return compact(log);  // the log already holds `e`
  if (fd_.get() < 0) fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd_.get() < 0) return make_error("events file " + path_ + ": cannot open for append");
  std::string line = encode_event_line(e);
  if (::write(fd_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    fd_ = UniqueFd();  // open again next time: the file may have been replaced or repaired
    return make_error("events file " + path_ + ": short write (disk full?)");
  }
  ++lines_;
  return {};
}

Status EventFile::compact(const node::EventLog& log) {
  std::string text;
  for (const auto& e : log.events()) text += encode_event_line(e);
  if (auto s = write_file_atomically(path_, text); !s) return make_error("events file " + path_ + ": " + s.message());
  fd_ = UniqueFd();  // it was the replaced file's
  lines_ = log.events().size();
  return {};
}

}  // namespace shoal
