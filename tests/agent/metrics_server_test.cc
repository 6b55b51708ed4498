// The metrics endpoint on a real loopback socket: what it answers, the token rule off loopback,
// and the bounds that keep a bad client from holding memory or slots.
#include "agent/metrics_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace shoal {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A server whose io_context runs on its own thread; the test is the client.
class Served {
 public:
  explicit Served(MetricsServerLimits limits = {}, std::string address = "127.0.0.1:0", std::string token = "")
      : server_(io_, [] { return std::string("shoal_up 1\n"); }, limits) {
    listened_ = server_.listen(address, token);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Served() { stop(); }

  const Status& listened() const { return listened_; }
  std::uint16_t port() const { return server_.port(); }
  // The counters as the io thread has them now (read on that thread).
  MetricsServerStats stats_now() {
    std::promise<MetricsServerStats> got;
    asio::post(io_, [&] { got.set_value(server_.stats()); });
    return got.get_future().get();
  }
  // Stops serving and returns the counters (read only once the io thread is done).
  MetricsServerStats stop() {
    if (thread_.joinable()) {
      asio::post(io_, [this] { server_.close(); });
      work_.reset();
      io_.stop();
      thread_.join();
    }
    return server_.stats();
  }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  MetricsServer server_;
  Status listened_;
  std::thread thread_;
};

tcp::socket connect(std::uint16_t port) {
  static asio::io_context client_io;
  tcp::socket s(client_io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  return s;
}

// Everything the server sends until it closes (or `until` appears).
std::string read_answer(tcp::socket& s, const std::string& until = "") {
  std::string out;
  char buf[4096];
  boost::system::error_code ec;
  while (!ec) {
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (!until.empty() && out.find(until) != std::string::npos) break;
  }
  return out;
}

std::string exchange(std::uint16_t port, const std::string& request) {
  tcp::socket s = connect(port);
  asio::write(s, asio::buffer(request));
  return read_answer(s);
}

TEST(MetricsServer, ServesTheDocumentAtSlashMetrics) {
  Served served;
  ASSERT_TRUE(served.listened().ok()) << served.listened().message();
  const std::string answer = exchange(served.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(answer.find("\r\n\r\nshoal_up 1\n"), std::string::npos);
  EXPECT_EQ(served.stop().scrapes, 1u);
}

TEST(MetricsServer, AnswersOnlyGetAndHeadOfOnePath) {
  Served served;
  EXPECT_EQ(exchange(served.port(), "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  const std::string post = exchange(served.port(), "POST /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  const std::string head = exchange(served.port(), "HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(head.find("shoal_up"), std::string::npos);  // HEAD: no body
  // Prometheus may add query parameters; they are ignored.
  EXPECT_NE(exchange(served.port(), "GET /metrics?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n").find("shoal_up 1"),
            std::string::npos);
}

TEST(MetricsServer, KeepAliveServesSeveralScrapesOnOneConnection) {
  Served served;
  tcp::socket s = connect(served.port());
  for (int i = 0; i < 3; ++i) {
    asio::write(s, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")));
    EXPECT_NE(read_answer(s, "shoal_up 1\n").find("shoal_up 1\n"), std::string::npos);
  }
  EXPECT_EQ(served.stop().scrapes, 3u);
}

TEST(MetricsServer, OffLoopbackTheApiTokenIsRequired) {
  Served no_token({}, "0.0.0.0:0", "");
  ASSERT_FALSE(no_token.listened().ok());
  EXPECT_NE(no_token.listened().message().find("--api-token-file"), std::string::npos);

  Served served({}, "0.0.0.0:0", "s3cret");
  ASSERT_TRUE(served.listened().ok()) << served.listened().message();
  const char* kNone = "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n";
  const char* kWrong = "GET /metrics HTTP/1.1\r\nAuthorization: Bearer s3cres\r\nConnection: close\r\n\r\n";
  const char* kLonger = "GET /metrics HTTP/1.1\r\nAuthorization: Bearer s3cret2\r\nConnection: close\r\n\r\n";
  const char* kRight = "GET /metrics HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n";
  for (const char* refused : {kNone, kWrong, kLonger}) {
    const std::string a = exchange(served.port(), refused);
    EXPECT_EQ(a.rfind("HTTP/1.1 401", 0), 0u) << a;
    EXPECT_EQ(a.find("shoal_up"), std::string::npos);
  }
  EXPECT_NE(exchange(served.port(), kRight).find("shoal_up 1"), std::string::npos);
  const MetricsServerStats stats = served.stop();
  EXPECT_EQ(stats.refused_token, 3u);
  EXPECT_EQ(stats.scrapes, 1u);
}

TEST(MetricsServer, AnOversizedHeaderIsRefusedUnread) {
  MetricsServerLimits limits;
  limits.max_header_bytes = 1024;
  Served served(limits);
  const std::string big = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(64 << 10, 'a') + "\r\n\r\n";
  tcp::socket s = connect(served.port());
  boost::system::error_code ec;
  asio::write(s, asio::buffer(big), ec);  // may fail midway: the server closed on us
  EXPECT_EQ(read_answer(s).find("200 OK"), std::string::npos);
  const std::string body = exchange(served.port(), "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(body.find("shoal_up"), std::string::npos);  // a scrape has no body
  EXPECT_EQ(served.stop().bad_requests, 2u);
}

TEST(MetricsServer, ConnectionsPastTheLimitAreClosedAtAccept) {
  MetricsServerLimits limits;
  limits.max_connections = 2;
  Served served(limits);
  tcp::socket a = connect(served.port()), b = connect(served.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both accepted and idle
  tcp::socket c = connect(served.port());
  EXPECT_EQ(read_answer(c), "");  // closed without a word
  a.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(exchange(served.port(), "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n").find("shoal_up"),
            std::string::npos);  // a freed slot serves again
  EXPECT_EQ(served.stop().refused_busy, 1u);
}

TEST(MetricsServer, AHeaderThatStopsMidwayTimesOut) {
  MetricsServerLimits limits;
  limits.header_timeout_ms = 100;
  Served served(limits);
  tcp::socket s = connect(served.port());
  asio::write(s, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHo")));
  EXPECT_EQ(read_answer(s), "");  // closed after the deadline
  // Beast closes the socket when the deadline passes and only then runs the handler that
  // counts it: the client can see the close first, so wait for the count (a bound, not a timing).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (served.stats_now().timed_out == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(served.stop().timed_out, 1u);
}

}  // namespace
}  // namespace shoal
