#include "agent/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace shoal {

TEST(AtomicFile, WriteReadReplaceAndMode) {
  char tmpl[] = "/tmp/shoal-atomic-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, path = dir + "/sub/state.bin";
  ASSERT_TRUE(make_dirs(dir + "/sub").ok());
  ASSERT_TRUE(write_file_atomically(path, "one").ok());
  ASSERT_TRUE(write_file_atomically(path, std::string(100000, 'x')).ok());
  auto back = read_file(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 100000u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(read_file(dir + "/missing").ok());
  EXPECT_FALSE(write_file_atomically(dir + "/nodir/x", "a").ok());
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace shoal
