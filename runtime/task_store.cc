#include "runtime/task_store.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/fs_util.h"

namespace shoal::runtime {
namespace {
constexpr std::string_view kSuffix = ".task";
}

std::string TaskStore::path_of(std::string_view id) const {
  return join_path(dir_, std::string(id) + std::string(kSuffix));
}

Status TaskStore::init() const { return make_dirs(dir_, 0700); }

Status TaskStore::save(const TaskRecord& record) const {
  if (auto s = validate_task_id(record.spec.id); !s) return s;
  return write_file_atomic(path_of(record.spec.id), encode_task_record(record));
}

Status TaskStore::remove(std::string_view id) const {
  if (auto s = validate_task_id(id); !s) return s;
  const std::string path = path_of(id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return make_error("cannot remove " + path + ": " + std::strerror(errno));
  return {};
}

TaskStore::Loaded TaskStore::load_all() const {
  Loaded out;
  auto names = list_dir(dir_);
  if (!names) {
    out.errors.push_back(names.message());
    return out;
  }
  for (const auto& name : *names) {
    if (!name.ends_with(kSuffix)) continue;  // temp files of an interrupted write, .corrupt
    const std::string path = join_path(dir_, name);
    auto bytes = read_file(path, kMaxTaskRecordBytes + 1);
    Result<TaskRecord> record = bytes ? decode_task_record(*bytes) : Result<TaskRecord>(bytes.error());
    const std::string expected_id = name.substr(0, name.size() - kSuffix.size());
    if (record && record->spec.id != expected_id)
      record = make_error("holds task " + record->spec.id + ", not " + expected_id);
    if (!record) {
      out.errors.push_back(path + ": " + record.message() + " (moved aside to .corrupt)");
      std::rename(path.c_str(), (path + ".corrupt").c_str());
      continue;
    }
    out.records.push_back(std::move(*record));
  }
  return out;
}

}  // namespace shoal::runtime
