// Tasks that run an image: the image a slot needs, pulled when this node does not hold it (in
// the background; meanwhile the slot reports `preparing` with the reason), the task's overlay
// rootfs (image layers below, the task's own upper dir), and what runs in it: the image config
// merged with the service's overrides (image/run_config.h). A node never contacts a registry
// for a digest it holds, so scaling, failover and restarts work with the registry down.
#include <sys/stat.h>

#include <filesystem>

#include "agent/agent_impl.h"
#include "agent/image_state.h"
#include "common/log.h"
#include "image/file_io.h"
#include "image/rootfs.h"
#include "image/run_config.h"
#include "image/user_ids.h"

namespace shoal {

namespace {

// Is `dir` a mount point (a different device than its parent)? The overlay of a task that is
// started again (after a stop the reconciler asked for) is still mounted: keep it, and the
// task's writes with it, as Docker keeps a restarted container's filesystem.
bool is_mount_point(const std::string& dir) {
  struct stat self{}, parent{};
  if (::stat(dir.c_str(), &self) != 0) return false;
  const std::string up = std::filesystem::path(dir).parent_path().string();
  if (::stat(up.c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

std::string account_file(const std::string& rootfs, const char* name) {
  auto text = image::read_file_bounded(rootfs + "/etc/" + name, image::kMaxAccountFileBytes);
  return text ? std::move(*text) : std::string();  // no file: numeric ids only
}

// The image's HEALTHCHECK as the runtime's exec probe; zero durations are Docker's defaults.
runtime::HealthCheckSpec image_health(const image::HealthConfig& h) {
  const crdt::HealthCheck defaults;
  runtime::HealthCheckSpec out;
  out.kind = runtime::HealthCheckSpec::Kind::kExec;
  if (h.test.front() == "CMD-SHELL") out.command = {"/bin/sh", "-c", h.test.size() > 1 ? h.test[1] : "true"};
  else out.command.assign(h.test.begin() + 1, h.test.end());  // "CMD", argv...
  auto ms = [](std::uint64_t v, std::uint64_t fallback) { return static_cast<std::int64_t>(v ? v : fallback); };
  out.interval_ms = ms(h.interval_ms, defaults.interval_ms);
  out.timeout_ms = ms(h.timeout_ms, defaults.timeout_ms);
  out.start_period_ms = ms(h.start_period_ms, defaults.start_period_ms);
  out.retries = static_cast<std::uint32_t>(h.retries ? h.retries : defaults.retries);
  return out;
}

image::RunOverrides overrides_of(const crdt::TaskSpec& t) {
  image::RunOverrides o;
  o.entrypoint = t.entrypoint;
  if (!t.command.empty()) {
    o.cmd.push_back(t.command);
    o.cmd.insert(o.cmd.end(), t.args.begin(), t.args.end());
  }
  o.env = t.env;
  o.workdir = t.workdir;
  o.user = t.user;
  return o;
}

}  // namespace

std::string Agent::task_rootfs_dir(const std::string& task_id) const { return config_.data_dir + "/rootfs/" + task_id; }

ImagePreparation Agent::prepare_image_task(const crdt::ServiceSpec& spec, runtime::TaskSpec& t) {
  auto ref = image::parse_reference(spec.task.image, config_.registry_mirror);
  if (!ref) return {ImagePreparation::kFailed, "image " + spec.task.image + ": " + ref.message()};
  auto manifest = held_manifest(*images_, *ref);
  if (!manifest) {
    const std::string key = ref->canonical_string();
    request_image(*ref);
    auto err = image_pull_errors_.find(key);
    return {ImagePreparation::kWaiting,
            err != image_pull_errors_.end() ? err->second : "pulling " + ref->canonical_string()};
  }
  const image::ImageRecord* record = images_->catalog.find(*manifest);
  SHOAL_ASSERT(record != nullptr);  // held_manifest answers only what the catalog holds
  auto config_bytes = images_->store.read_verified(record->config.digest, ImageState::kMaxConfigBytes);
  if (!config_bytes) return {ImagePreparation::kFailed, "image config: " + config_bytes.message()};
  auto config = image::parse_image_config(*config_bytes);
  if (!config) return {ImagePreparation::kFailed, "image config: " + config.message()};
  auto run = image::run_config(*config, overrides_of(spec.task), spec.task.image);
  if (!run) return {ImagePreparation::kFailed, run.message()};
  auto plan = image::plan_rootfs(images_->layers_root(), record->diff_ids, task_rootfs_dir(t.id));
  if (!plan) return {ImagePreparation::kFailed, "rootfs: " + plan.message()};
  if (!is_mount_point(plan->merged_dir)) {
    if (auto m = image::mount_rootfs(*plan); !m) return {ImagePreparation::kFailed, "rootfs: " + m.message()};
  }
  auto ids = image::resolve_user(run->user, account_file(plan->merged_dir, "passwd"),
                                 account_file(plan->merged_dir, "group"));
  if (!ids) {
    release_task_rootfs(t.id);
    return {ImagePreparation::kFailed, ids.message()};
  }
  t.driver = runtime::DriverKind::kOci;
  t.rootfs = plan->merged_dir;
  t.command = run->argv;
  std::vector<std::string> shoal_env;  // SHOAL_SERVICE etc., set by build_task_spec
  for (const auto& e : t.env)
    if (e.rfind("SHOAL_", 0) == 0) shoal_env.push_back(e);
  t.env = run->env;
  t.env.insert(t.env.end(), shoal_env.begin(), shoal_env.end());
  t.working_dir = run->workdir;
  t.uid = ids->uid;
  t.gid = ids->gid;
  if (spec.health.command.empty() && !spec.health.no_image_check && run->healthcheck)
    t.health = image_health(*run->healthcheck);
  images_->catalog.touch(*manifest, now().wall_ms);
  return {ImagePreparation::kReady, ""};
}

void Agent::request_image(const image::Reference& ref) {
  const std::string key = ref.canonical_string();
  if (!image_pulls_.insert(key).second) return;  // one pull per image at a time
  image_async({"pull", key}, [this, key](ApiResponse answer) {
    image_pulls_.erase(key);
    if (answer.exit_code == 0) {
      image_pull_errors_.erase(key);
    } else {
      std::string why = answer.err.empty() ? answer.out : answer.err;
      while (!why.empty() && why.back() == '\n') why.pop_back();
      image_pull_errors_[key] = why;
    }
    node::NodeInput in;
    in.reconcile_soon = true;  // the slots that waited for it start (or report why not)
    drive(std::move(in));
  });
}

void Agent::release_task_rootfs(const std::string& task_id) {
  const std::string dir = task_rootfs_dir(task_id);
  if (!std::filesystem::exists(dir)) return;
  image::RootfsPlan plan;
  plan.upper_dir = dir + "/upper";
  plan.work_dir = dir + "/work";
  plan.merged_dir = dir + "/rootfs";
  if (auto r = image::remove_rootfs(plan); !r) {
    log_warning("task " + task_id + ": cannot remove its rootfs: " + r.message());
    return;
  }
  std::error_code ec;
  std::filesystem::remove(dir, ec);
}

}  // namespace shoal
