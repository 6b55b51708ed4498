#include "image/user_ids.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shoal::image {
namespace {

const char kPasswd[] = "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\nbroken\napp:x:1000:1001:::\n";
const char kGroup[] = "root:x:0:\nwww-data:x:33:\nstaff:x:50:app\n";

TEST(UserIds, NamesComeFromTheImagesFiles) {
  EXPECT_EQ(*resolve_user("", kPasswd, kGroup), (UserIds{0, 0}));
  EXPECT_EQ(*resolve_user("www-data", kPasswd, kGroup), (UserIds{33, 33}));
  EXPECT_EQ(*resolve_user("app", kPasswd, kGroup), (UserIds{1000, 1001}));
  EXPECT_EQ(*resolve_user("app:staff", kPasswd, kGroup), (UserIds{1000, 50}));
  EXPECT_EQ(*resolve_user("app:7", kPasswd, kGroup), (UserIds{1000, 7}));
}

TEST(UserIds, NumericIdsNeedNoEntry) {
  EXPECT_EQ(*resolve_user("33", kPasswd, kGroup), (UserIds{33, 33})) << "gid from passwd when listed";
  EXPECT_EQ(*resolve_user("4242", kPasswd, kGroup), (UserIds{4242, 0}));
  EXPECT_EQ(*resolve_user("4242:4243", "", ""), (UserIds{4242, 4243}));
}

TEST(UserIds, UnknownNamesAreErrors) {
  auto r = resolve_user("nobody", kPasswd, kGroup);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("nobody"), std::string::npos);
  EXPECT_FALSE(resolve_user("app:wheel", kPasswd, kGroup).ok());
  EXPECT_FALSE(resolve_user("broken", kPasswd, kGroup).ok());
}

RC_GTEST_PROP(UserIds, ArbitraryFilesNeverCrash, (std::string user, std::string passwd, std::string group)) {
  (void)resolve_user(user, passwd, group);
}

}  // namespace
}  // namespace shoal::image
