// Shared set-up for tests that run real tasks: a temp state/log dir, a cgroup parent unique to
// this test process (engineers and CI run tests in parallel), and a poll loop driven by the
// real clock. Waits are bounded loops ("until X, at most 20 s"), never asserts on durations.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "runtime/runtime.h"

namespace shoal::runtime::testing {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

class RuntimeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shoal-rt-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    static int counter = 0;
    config_.state_dir = dir_ + "/state";
    config_.log_dir = dir_ + "/logs";
    config_.cgroup_parent = "shoal-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    config_.default_stop_grace_ms = 2000;
    config_.liveness_check_ms = 20;
  }

  void TearDown() override {
    if (rt_) {
      rt_->stop_all(0, now_ms());
      wait_until([&] {
        for (const auto& s : rt_->list())
          if (!is_terminal(s.state)) return false;
        return true;
      });
      for (const auto& s : rt_->list()) (void)rt_->forget(s.id, true);
      // A killed task's cgroup is removed once its last member has exited, which poll() retries:
      // wait for that, or the parent below is still busy (flaky under load).
      wait_until([&] {
        (void)rt_->poll(now_ms());
        return rt_->next_deadline_ms() == kNever;
      });
      rt_.reset();
    }
    for (const auto& h : rt_layout_.all_hierarchies) {
      const std::string parent = h + "/" + config_.cgroup_parent;
      // Our parent must be empty now: a leftover task cgroup would make this rmdir fail.
      if (std::filesystem::exists(parent)) {
        EXPECT_EQ(::rmdir(parent.c_str()), 0) << parent << " not empty";
      }
    }
    std::filesystem::remove_all(dir_);
  }

  void open_runtime() {
    auto rt = Runtime::open(config_, now_ms());
    ASSERT_TRUE(rt.ok()) << rt.message();
    rt_ = std::move(*rt);
    rt_layout_ = rt_->cgroup_layout();
  }

  bool isolated() const { return rt_ && rt_->isolation(); }

  TaskSpec spec(const std::string& id, std::vector<std::string> command) {
    TaskSpec s;
    s.id = id;
    s.service = id.substr(0, id.find('.'));
    s.command = std::move(command);
    s.restart.condition = RestartPolicySpec::Condition::kNone;
    return s;
  }

  // Polls until pred() holds; false after 20 s (a hung test fails instead of timing out).
  bool wait_until(const std::function<bool()>& pred, std::int64_t limit_ms = 20'000) {
    const std::int64_t give_up = now_ms() + limit_ms;
    while (now_ms() < give_up) {
      auto changes = rt_->poll(now_ms());
      history_.insert(history_.end(), changes.begin(), changes.end());
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }

  bool wait_state(const std::string& id, TaskState state) {
    return wait_until([&] {
      auto s = rt_->status(id);
      return s && s->state == state;
    });
  }

  std::vector<TaskState> states_of(const std::string& id) const {
    std::vector<TaskState> out;
    for (const auto& s : history_)
      if (s.id == id) out.push_back(s.state);
    return out;
  }

  std::string dir_;
  RuntimeConfig config_;
  std::unique_ptr<Runtime> rt_;
  CgroupLayout rt_layout_;
  std::vector<TaskStatus> history_;
};

}  // namespace shoal::runtime::testing
