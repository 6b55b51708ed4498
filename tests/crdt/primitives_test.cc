// Merge laws and rules of each primitive on its own: CausalContext, LwwRegister, OrMap,
// PerWriterMap. Small value domains on purpose, so ties and concurrent ops on one key happen.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crdt/dot.h"
#include "crdt/lww_register.h"
#include "crdt/or_map.h"
#include "crdt/writer_map.h"

namespace shoal::crdt {
namespace {

NodeId n(int i) { return NodeId{"n" + std::to_string(i)}; }

template <typename T>
T joined(T a, const T& b) {
  a.merge(b);
  return a;
}

template <typename T>
void check_laws(const T& a, const T& b, const T& c) {
  RC_ASSERT(joined(a, b) == joined(b, a));
  RC_ASSERT(joined(joined(a, b), c) == joined(a, joined(b, c)));
  RC_ASSERT(joined(a, a) == a);
}

// ---- CausalContext
rc::Gen<CausalContext> gen_context() {
  return rc::gen::map(rc::gen::container<std::vector<std::pair<int, int>>>(
                          rc::gen::pair(rc::gen::inRange(0, 3), rc::gen::inRange(1, 8))),
                      [](const std::vector<std::pair<int, int>>& dots) {
                        CausalContext cc;
                        for (auto [w, c] : dots) cc.add(Dot{n(w), std::uint64_t(c)});
                        return cc;
                      });
}

TEST(CausalContext, CompactsContiguousDotsIntoTheVersionVector) {
  CausalContext cc;
  cc.add(Dot{n(0), 2});
  EXPECT_EQ(cc.vv().count(n(0)), 0u);
  EXPECT_EQ(cc.cloud().size(), 1u);
  EXPECT_EQ(cc.max_counter(n(0)), 2u);
  cc.add(Dot{n(0), 1});
  EXPECT_EQ(cc.vv().at(n(0)), 2u);
  EXPECT_TRUE(cc.cloud().empty());
  EXPECT_TRUE(cc.contains(Dot{n(0), 1}));
  EXPECT_FALSE(cc.contains(Dot{n(0), 3}));
  EXPECT_EQ(cc.max_counter(n(1)), 0u);
}

TEST(CausalContext, CoversNeedsEveryEvent) {
  CausalContext a, b;
  for (int c = 1; c <= 3; ++c) a.add(Dot{n(0), std::uint64_t(c)});
  b.add(Dot{n(0), 1});
  b.add(Dot{n(0), 3});
  EXPECT_TRUE(a.covers(b));
  EXPECT_FALSE(b.covers(a));
  b.add(Dot{n(0), 2});
  EXPECT_TRUE(b.covers(a));
  EXPECT_EQ(a, b);
}

RC_GTEST_PROP(CausalContextLaws, MergeIsAJoin, ()) {
  auto a = *gen_context();
  auto b = *gen_context();
  auto c = *gen_context();
  check_laws(a, b, c);
  auto ab = joined(a, b);
  RC_ASSERT(ab.covers(a));
  RC_ASSERT(ab.covers(b));
}

// ---- LwwRegister
rc::Gen<LwwRegister<int>> gen_register() {
  return rc::gen::apply(
      [](int value, int wall, int writer, int counter) {
        return LwwRegister<int>{value, HlcTimestamp{std::uint64_t(wall), 0},
                                Dot{n(writer), std::uint64_t(counter)}};
      },
      rc::gen::inRange(0, 3), rc::gen::inRange(0, 3), rc::gen::inRange(0, 2),
      rc::gen::inRange(1, 3));
}

TEST(LwwRegister, LaterTimestampWinsThenLargerNodeId) {
  LwwRegister<int> early{1, {100, 0}, {n(9), 1}};
  LwwRegister<int> late{2, {100, 1}, {n(0), 1}};
  EXPECT_EQ(joined(early, late).value, 2);
  EXPECT_EQ(joined(late, early).value, 2);
  LwwRegister<int> tie_low{3, {200, 0}, {n(1), 1}};
  LwwRegister<int> tie_high{4, {200, 0}, {n(2), 1}};
  EXPECT_EQ(joined(tie_low, tie_high).value, 4);
  EXPECT_EQ(joined(tie_high, tie_low).value, 4);
}

RC_GTEST_PROP(LwwRegisterLaws, MergeIsAJoin, ()) {
  check_laws(*gen_register(), *gen_register(), *gen_register());
}

// ---- OrMap: three replicas of an OrMap<int,int> doing random puts/removes with random merges.
struct MapOp {
  int replica, kind, key, value;
};

std::vector<OrMap<int, int>> run_map_ops(const std::vector<MapOp>& ops) {
  std::vector<OrMap<int, int>> maps(3);
  std::vector<std::uint64_t> counters(3, 0);
  std::uint64_t wall = 0;
  for (const auto& op : ops) {
    auto& m = maps[std::size_t(op.replica)];
    Dot dot{n(op.replica), ++counters[std::size_t(op.replica)]};
    HlcTimestamp at{++wall / 2, 0};  // pairs of ops share a wall time: ties happen
    if (op.kind == 0) {
      m.put(op.key, LwwRegister<int>{op.value, at, dot});
    } else if (op.kind == 1) {
      m.remove(op.key, dot, at);
    } else {
      m.merge(maps[std::size_t(op.value % 3)]);
    }
  }
  return maps;
}

rc::Gen<std::vector<MapOp>> gen_map_ops() {
  return rc::gen::container<std::vector<MapOp>>(rc::gen::apply(
      [](int r, int k, int key, int v) { return MapOp{r, k, key, v}; }, rc::gen::inRange(0, 3),
      rc::gen::inRange(0, 3), rc::gen::inRange(0, 2), rc::gen::inRange(0, 5)));
}

TEST(OrMap, AddWinsOverConcurrentRemove) {
  OrMap<int, int> a, b;
  a.put(1, LwwRegister<int>{10, {1, 0}, {n(0), 1}});
  b.merge(a);
  a.remove(1, Dot{n(0), 2}, {5, 0});
  b.put(1, LwwRegister<int>{20, {2, 0}, {n(1), 1}});
  a.merge(b);
  b.merge(a);
  EXPECT_EQ(a, b);
  ASSERT_NE(a.get(1), nullptr);
  EXPECT_EQ(a.get(1)->value, 20);
}

TEST(OrMap, RemoveTombstonesObservedWritesAndPutAfterRemoveIsLive) {
  OrMap<int, int> m;
  m.put(1, LwwRegister<int>{10, {1, 0}, {n(0), 1}});
  auto delta = m.remove(1, Dot{n(0), 2}, {2, 0});
  EXPECT_EQ(m.get(1), nullptr);
  EXPECT_EQ(delta.entries.at(1).removed.size(), 1u);
  OrMap<int, int> stale;
  stale.put(1, LwwRegister<int>{10, {1, 0}, {n(0), 1}});
  stale.merge(delta);
  EXPECT_EQ(stale.get(1), nullptr) << "the tombstone cancels the write wherever it arrives";
  m.put(1, LwwRegister<int>{30, {3, 0}, {n(0), 3}});
  ASSERT_NE(m.get(1), nullptr);
  EXPECT_EQ(m.get(1)->value, 30);
}

RC_GTEST_PROP(OrMapLaws, MergeIsAJoin, ()) {
  auto maps = run_map_ops(*gen_map_ops());
  check_laws(maps[0], maps[1], maps[2]);
}

RC_GTEST_PROP(OrMapLaws, ConcurrentRemovesOfOneWriteAgree, (int wall1, int wall2)) {
  OrMap<int, int> base;
  base.put(0, LwwRegister<int>{1, {0, 0}, {n(0), 1}});
  auto a = base, b = base;
  a.remove(0, Dot{n(1), 1}, {std::uint64_t(std::abs(wall1 % 100)), 0});
  b.remove(0, Dot{n(2), 1}, {std::uint64_t(std::abs(wall2 % 100)), 0});
  RC_ASSERT(joined(a, b) == joined(b, a));
}

// ---- PerWriterMap
rc::Gen<PerWriterMap<int, int>> gen_writer_map() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::tuple<int, int, int, int>>>(rc::gen::tuple(
          rc::gen::inRange(0, 2), rc::gen::inRange(0, 2), rc::gen::inRange(1, 4),
          rc::gen::inRange(-1, 3))),
      [](const std::vector<std::tuple<int, int, int, int>>& items) {
        PerWriterMap<int, int> m;
        for (auto [w, k, c, v] : items) {
          WriterEntry<int> e{std::uint64_t(c), {std::uint64_t(c), 0},
                             v < 0 ? std::nullopt : std::optional<int>(v)};
          PerWriterMap<int, int> one;
          one.writers[n(w)][k] = e;
          m.merge(one);
        }
        return m;
      });
}

TEST(PerWriterMap, HigherCounterOfTheWriterWins) {
  PerWriterMap<int, int> a, b;
  a.put(n(0), 7, WriterEntry<int>{1, {10, 0}, 100});
  b.merge(a);
  a.put(n(0), 7, WriterEntry<int>{2, {5, 0}, std::nullopt});  // deleted, even with older wall
  b.merge(a);
  EXPECT_EQ(b.get(n(0), 7), nullptr);
  b.merge(PerWriterMap<int, int>{{{n(0), {{7, WriterEntry<int>{1, {10, 0}, 100}}}}}});
  EXPECT_EQ(b.get(n(0), 7), nullptr) << "an old write arriving late does not undo the delete";
}

RC_GTEST_PROP(PerWriterMapLaws, MergeIsAJoin, ()) {
  check_laws(*gen_writer_map(), *gen_writer_map(), *gen_writer_map());
}

}  // namespace
}  // namespace shoal::crdt
