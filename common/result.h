// Result<T>: the value of an operation that can fail in an expected way (bad input, network,
// config). g++ 12 has no std::expected, so this is the small subset shoal needs. Errors carry a
// message a user can act on ("--memory: '12Q' is not a size; use e.g. 512MiB"), never a code.
// Broken invariants are not Results: they hit SHOAL_ASSERT and abort.
//
// Result<T, E>: the same with an error type that carries more than the message, for a caller
// that decides on it (image/registry_error.h: the kind drives retries and the task's reason).
// E must have a `std::string message` member (message() returns it) and be default
// constructible (an ok Result<void, E> holds an empty one).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace shoal {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(E error) : data_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { return std::get<1>(data_); }
  const std::string& message() const { return error().message; }

 private:
  std::variant<T, E> data_;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { return error_; }
  const std::string& message() const { return error_.message; }

 private:
  E error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace shoal

// Always-on assertion for invariants (never for untrusted input): crash loudly, with where.
#define SHOAL_ASSERT(cond)                                                          \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
