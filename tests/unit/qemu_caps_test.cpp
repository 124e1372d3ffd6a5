#include <gtest/gtest.h>

#include <unistd.h>

#include "drivers/qemu/qemu_caps.h"

using namespace stratus::drivers::qemu;

TEST(QemuCaps, ParsesMachineHelpAliasesAndDefault) {
  QemuCaps c;
  parseMachineHelp("Supported machines are:\n"
                   "microvm              microvm (i386)\n"
                   "pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)\n"
                   "pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\n"
                   "q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)\n"
                   "pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)\n"
                   "none                 empty machine\n",
                   c);
  EXPECT_EQ(c.defaultMachine, "pc-i440fx-7.2");
  EXPECT_EQ(c.resolveMachine("pc"), "pc-i440fx-7.2");
  EXPECT_EQ(c.resolveMachine("q35"), "pc-q35-7.2");
  EXPECT_EQ(c.resolveMachine("pc-q35-7.2"), "pc-q35-7.2");
  EXPECT_EQ(c.resolveMachine(""), "pc-i440fx-7.2");
  EXPECT_EQ(c.resolveMachine("bogus"), "");
}

TEST(QemuCaps, ParsesDevicesAndVersion) {
  QemuCaps c;
  parseDeviceHelp("Storage devices:\n"
                  "name \"virtio-blk-pci\", bus PCI, alias \"virtio-blk\"\n"
                  "name \"ide-cd\", bus IDE, desc \"virtual IDE CD-ROM\"\n",
                  c);
  EXPECT_TRUE(c.hasDevice("virtio-blk-pci"));
  EXPECT_TRUE(c.hasDevice("virtio-blk"));
  EXPECT_TRUE(c.hasDevice("ide-cd"));
  EXPECT_FALSE(c.hasDevice("qxl"));
  ASSERT_TRUE(parseVersion("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n", c));
  EXPECT_EQ(c.version, "7.2.22");
  EXPECT_EQ(c.versionNum, 7002022u);
}

TEST(QemuCaps, ProbesTheInstalledBinary) {
  const char* bin = "/usr/bin/qemu-system-x86_64";
  if (access(bin, X_OK) != 0) GTEST_SKIP() << "qemu-system-x86_64 not installed";
  QemuCapsCache cache;
  auto c = cache.get(bin);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_FALSE(c->resolveMachine("pc").empty());
  EXPECT_TRUE(c->hasDevice("virtio-blk-pci"));
  EXPECT_FALSE(cache.get("/nonexistent/qemu").ok());
}
