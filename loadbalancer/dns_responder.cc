#include "loadbalancer/dns_responder.h"

#include <algorithm>

namespace shoal {

namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kMaxUdpBytes = 512;  // RFC 1035 s.4.2.1, without EDNS
constexpr std::size_t kAnswerBytes = 16;   // pointer(2) type(2) class(2) ttl(4) rdlen(2) addr(4)
constexpr std::uint16_t kTypeA = 1, kTypeAny = 255, kClassIn = 1;
constexpr std::uint8_t kNoError = 0, kNxDomain = 3, kNotImp = 4;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct Question {
  std::string name;          // lowercase, dot-separated, no trailing dot
  std::size_t end = 0;       // offset just past QTYPE/QCLASS
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
};

std::optional<Question> parse_question(const std::uint8_t* q, std::size_t size) {
  Question out;
  std::size_t pos = kHeaderBytes;
  std::size_t name_bytes = 0;
  for (;;) {
    if (pos >= size) return std::nullopt;
    std::uint8_t len = q[pos++];
    if (len == 0) break;
    if (len > 63) return std::nullopt;  // compression pointer or reserved label type
    name_bytes += len + 1;
    if (name_bytes > 254 || pos + len > size) return std::nullopt;
    if (!out.name.empty()) out.name += '.';
    out.name.append(reinterpret_cast<const char*>(q + pos), len);
    pos += len;
  }
  if (pos + 4 > size) return std::nullopt;
  out.qtype = static_cast<std::uint16_t>(q[pos] << 8 | q[pos + 1]);
  out.qclass = static_cast<std::uint16_t>(q[pos + 2] << 8 | q[pos + 3]);
  out.end = pos + 4;
  out.name = lower(out.name);
  return out;
}

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

void DnsTable::set_service(std::string_view name, Ipv4 vip) { vips_[lower(name)] = vip; }

void DnsTable::set_tasks(std::string_view name, std::vector<Ipv4> addresses) {
  tasks_[lower(name)] = std::move(addresses);
}

std::optional<Ipv4> DnsTable::vip(std::string_view lower_name) const {
  auto it = vips_.find(lower_name);
  return it == vips_.end() ? std::nullopt : std::optional<Ipv4>(it->second);
}

const std::vector<Ipv4>* DnsTable::tasks(std::string_view lower_name) const {
  auto it = tasks_.find(lower_name);
  return it == tasks_.end() ? nullptr : &it->second;
}

std::optional<Bytes> dns_answer(const std::uint8_t* query, std::size_t size, const DnsTable& table,
                                const DnsConfig& config) {
  if (query == nullptr || size < kHeaderBytes || size > kMaxUdpBytes * 8) return std::nullopt;
  bool is_response = query[2] & 0x80;
  std::uint8_t opcode = (query[2] >> 3) & 0x0F;
  std::uint16_t qdcount = static_cast<std::uint16_t>(query[4] << 8 | query[5]);
  std::uint16_t ancount = static_cast<std::uint16_t>(query[6] << 8 | query[7]);
  if (is_response || qdcount != 1 || ancount != 0) return std::nullopt;
  auto question = parse_question(query, size);
  if (!question) return std::nullopt;

  // Resolve: strip the domain, then "tasks." selects the task list.
  std::string name = question->name;
  std::string suffix = "." + lower(config.domain);
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    name.resize(name.size() - suffix.size());
  std::vector<Ipv4> addresses;
  bool known = false;
  if (name.rfind("tasks.", 0) == 0) {
    if (const auto* t = table.tasks(std::string_view(name).substr(6))) {
      known = true;
      addresses = *t;
    }
  } else if (auto vip = table.vip(name)) {
    known = true;
    addresses.push_back(*vip);
  }

  std::uint8_t rcode = opcode != 0 ? kNotImp : known ? kNoError : kNxDomain;
  bool wants_a = (question->qtype == kTypeA || question->qtype == kTypeAny) && question->qclass == kClassIn;
  if (rcode != kNoError || !wants_a) addresses.clear();
  std::size_t room = (kMaxUdpBytes - question->end) / kAnswerBytes;
  bool truncated = addresses.size() > room;
  if (truncated) addresses.resize(room);

  Bytes out(query, query + question->end);  // id, then the question exactly as asked
  out[2] = static_cast<std::uint8_t>(0x80 | (opcode << 3) | 0x04 | (truncated ? 0x02 : 0) | (query[2] & 0x01));
  out[3] = rcode;  // RA = 0: we do not recurse
  out[4] = 0; out[5] = 1;
  out[6] = static_cast<std::uint8_t>(addresses.size() >> 8);
  out[7] = static_cast<std::uint8_t>(addresses.size());
  out[8] = out[9] = out[10] = out[11] = 0;  // no authority or additional records (drops EDNS)
  for (const auto& ip : addresses) {
    put16(out, 0xC00C);  // pointer to the question's name at offset 12
    put16(out, kTypeA);
    put16(out, kClassIn);
    put16(out, static_cast<std::uint16_t>(config.ttl_s >> 16));
    put16(out, static_cast<std::uint16_t>(config.ttl_s));
    put16(out, 4);
    auto b = ip.bytes();
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

}  // namespace shoal
