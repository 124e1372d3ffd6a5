// The rows of the storage commands in the command table: options and help
// as virsh has them (plus --json on the lists and infos, --verbose on the
// transfers and copies).
#include "cli/storage_cli.h"

namespace stratus::cli {

namespace {
using T = OptType;
constexpr const char* kPoolGroup = "Storage Pool";
constexpr const char* kVolGroup = "Storage Volume";

constexpr OptDef flag(std::string_view name, std::string_view help) { return {name, T::Bool, false, false, help}; }
constexpr OptDef str(std::string_view name, std::string_view help) { return {name, T::String, false, false, help}; }
constexpr OptDef num(std::string_view name, std::string_view help) { return {name, T::Int, false, false, help}; }
constexpr OptDef req(std::string_view name, std::string_view help) { return {name, T::String, true, true, help}; }
constexpr OptDef pool(std::string_view help = "pool name or uuid") { return req("pool", help); }
constexpr OptDef poolOpt() { return str("pool", "pool name or uuid"); }
constexpr OptDef vol(std::string_view help = "vol name, key or path") { return req("vol", help); }
constexpr OptDef json() { return flag("json", "print machine-readable JSON"); }
constexpr OptDef build() { return flag("build", "build the pool as normal"); }
constexpr OptDef noOverwrite() { return flag("no-overwrite", "do not overwrite any existing data"); }
constexpr OptDef overwrite() { return flag("overwrite", "overwrite any existing data"); }
constexpr OptDef prealloc() {
  return flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)");
}

// pool-define-as / pool-create-as share their options.
std::vector<OptDef> poolAsOptions(bool create) {
  std::vector<OptDef> o = {
      req("name", "name of the pool"),
      req("type", "type of the pool"),
      flag("print-xml", "print XML document, but don't define/create"),
      str("source-host", "source-host for underlying storage"),
      str("source-path", "source path for underlying storage"),
      str("source-dev", "source device for underlying storage"),
      str("source-name", "source name for underlying storage"),
      str("target", "target for underlying storage"),
      str("source-format", "format for underlying storage"),
      str("auth-type", "auth type to be used for underlying storage"),
      str("auth-username", "auth username to be used for underlying storage"),
      str("secret-usage", "auth secret usage to be used for underlying storage"),
      str("secret-uuid", "auth secret UUID to be used for underlying storage"),
      str("adapter-name", "adapter name to be used for underlying storage"),
      str("adapter-wwnn", "adapter wwnn to be used for underlying storage"),
      str("adapter-wwpn", "adapter wwpn to be used for underlying storage"),
      str("adapter-parent", "adapter parent scsi_hostN to be used for underlying vHBA storage"),
      str("adapter-parent-wwnn", "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage"),
      str("adapter-parent-wwpn", "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage"),
      str("adapter-parent-fabric-wwn", "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage"),
      str("source-protocol-ver", "nfsvers value for NFS pool mount option"),
      str("source-initiator", "initiator iqn for underlying storage"),
  };
  if (create) {
    o.push_back(build());
    o.push_back(noOverwrite());
    o.push_back(overwrite());
  }
  return o;
}
}  // namespace

std::vector<CmdDef> storageCommands() {
  return {
      // ---- storage pools ----
      {"find-storage-pool-sources-as", kPoolGroup, "find potential storage pool sources", "",
       {req("type", "type of storage pool sources to find"), str("host", "optional host to query"),
        str("port", "optional port to query"), str("initiator", "optional initiator IQN to use for query")},
       cmdFindPoolSourcesAs},
      {"find-storage-pool-sources", kPoolGroup, "discover potential storage pool sources", "",
       {req("type", "type of storage pool sources to discover"),
        str("srcSpec", "optional file of source xml to query for pools")},
       cmdFindPoolSources},
      {"pool-autostart", kPoolGroup, "autostart a pool", "", {pool(), flag("disable", "disable autostarting")},
       cmdPoolAutostart},
      {"pool-build", kPoolGroup, "build a pool", "", {pool(), noOverwrite(), overwrite()}, cmdPoolBuild},
      {"pool-create-as", kPoolGroup, "create a pool from a set of args", "", poolAsOptions(true), cmdPoolCreateAs},
      {"pool-create", kPoolGroup, "create a pool from an XML file", "",
       {req("file", "file containing an XML pool description"), build(), noOverwrite(), overwrite()},
       cmdPoolCreate},
      {"pool-define-as", kPoolGroup, "define a pool from a set of args", "", poolAsOptions(false), cmdPoolDefineAs},
      {"pool-define", kPoolGroup,
       "define an inactive persistent storage pool or modify an existing persistent one from an XML file", "",
       {req("file", "file containing an XML pool description"),
        flag("validate", "validate the XML against the schema")},
       cmdPoolDefine},
      {"pool-delete", kPoolGroup, "delete a pool", "", {pool()}, cmdPoolDelete},
      {"pool-destroy", kPoolGroup, "destroy (stop) a pool", "", {pool()}, cmdPoolDestroy},
      {"pool-dumpxml", kPoolGroup, "pool information in XML", "",
       {pool(), flag("inactive", "show inactive defined XML"),
        str("xpath", "xpath expression to filter the XML document"),
        flag("wrap", "wrap xpath results in an common root element")},
       cmdPoolDumpxml},
      {"pool-edit", kPoolGroup, "edit XML configuration for a storage pool", "", {pool()}, cmdPoolEdit},
      {"pool-info", kPoolGroup, "storage pool information", "",
       {pool(), flag("bytes", "Return pool info in bytes"), json()}, cmdPoolInfo},
      {"pool-list", kPoolGroup, "list pools", "By default, only active pools are listed.",
       {flag("inactive", "list inactive pools"), flag("all", "list inactive & active pools"),
        flag("transient", "list transient pools"), flag("persistent", "list persistent pools"),
        flag("autostart", "list pools with autostart enabled"),
        flag("no-autostart", "list pools with autostart disabled"),
        str("type", "only list pool of specified type(s) (if supported)"),
        flag("details", "display extended details for pools"), flag("uuid", "list UUID of active pools only"),
        flag("name", "list name of active pools only"), json()},
       cmdPoolList},
      {"pool-name", kPoolGroup, "convert a pool UUID to pool name", "", {pool()}, cmdPoolName},
      {"pool-refresh", kPoolGroup, "refresh a pool", "", {pool()}, cmdPoolRefresh},
      {"pool-start", kPoolGroup, "start a (previously defined) inactive pool", "",
       {pool(), build(), noOverwrite(), overwrite()}, cmdPoolStart},
      {"pool-undefine", kPoolGroup, "undefine an inactive pool", "", {pool()}, cmdPoolUndefine},
      {"pool-uuid", kPoolGroup, "convert a pool name to pool UUID", "", {pool()}, cmdPoolUuid},
      // ---- storage volumes ----
      {"vol-clone", kVolGroup, "clone a volume.", "",
       {vol(), req("newname", "clone name"), poolOpt(), prealloc(), flag("reflink", "use btrfs COW lightweight copy"),
        flag("print-xml", "print XML document rather than clone the volume"),
        flag("verbose", "display the progress of the copy")},
       cmdVolClone},
      {"vol-create-as", kVolGroup, "create a volume from a set of args", "",
       {pool("pool name"), req("name", "name of the volume"),
        req("capacity", "size of the vol, as scaled integer (default bytes)"),
        str("allocation", "initial allocation size, as scaled integer (default bytes)"),
        str("format", "file format type raw,bochs,qcow,qcow2,qed,vmdk"),
        str("backing-vol", "the backing volume if taking a snapshot"),
        str("backing-vol-format", "format of backing volume if taking a snapshot"), prealloc(),
        flag("print-xml", "print XML document, but don't define/create")},
       cmdVolCreateAs},
      {"vol-create", kVolGroup, "create a vol from an XML file", "",
       {pool("pool name"), req("file", "file containing an XML vol description"), prealloc(),
        flag("validate", "validate the XML against the schema")},
       cmdVolCreate},
      {"vol-create-from", kVolGroup, "create a vol, using another volume as input", "",
       {pool(), req("file", "file containing an XML vol description"), vol(),
        str("inputpool", "pool name or uuid of the input volume's pool"), prealloc(),
        flag("reflink", "use btrfs COW lightweight copy"), flag("validate", "validate the XML against the schema"),
        flag("verbose", "display the progress of the copy")},
       cmdVolCreateFrom},
      {"vol-delete", kVolGroup, "delete a vol", "",
       {vol(), poolOpt(),
        flag("delete-snapshots", "delete snapshots associated with volume (must be supported by storage driver)")},
       cmdVolDelete},
      {"vol-download", kVolGroup, "download volume contents to a file", "",
       {vol(), req("file", "file"), poolOpt(), num("offset", "volume offset to download from"),
        num("length", "amount of data to download"), flag("sparse", "preserve sparseness of volume"),
        flag("verbose", "display the progress of the download")},
       cmdVolDownload},
      {"vol-dumpxml", kVolGroup, "vol information in XML", "",
       {vol(), poolOpt(), str("xpath", "xpath expression to filter the XML document"),
        flag("wrap", "wrap xpath results in an common root element")},
       cmdVolDumpxml},
      {"vol-info", kVolGroup, "storage vol information", "",
       {vol(), poolOpt(), flag("bytes", "sizes are represented in bytes rather than pretty units"),
        flag("physical", "return the physical size of the volume in allocation field"), json()},
       cmdVolInfo},
      {"vol-key", kVolGroup, "returns the volume key for a given volume name or path", "",
       {vol("volume name or path"), poolOpt()}, cmdVolKey},
      {"vol-list", kVolGroup, "list vols", "",
       {pool(), flag("details", "display extended details for volumes"), json()}, cmdVolList},
      {"vol-name", kVolGroup, "returns the volume name for a given volume key or path", "",
       {vol("volume key or path")}, cmdVolName},
      {"vol-path", kVolGroup, "returns the volume path for a given volume name or key", "",
       {vol("volume name or key"), poolOpt()}, cmdVolPath},
      {"vol-pool", kVolGroup, "returns the storage pool for a given volume key or path", "",
       {vol("volume key or path"), flag("uuid", "return the pool uuid rather than pool name")}, cmdVolPool},
      {"vol-resize", kVolGroup, "resize a vol", "",
       {vol(), req("capacity", "new capacity for the vol, as scaled integer (default bytes)"), poolOpt(),
        flag("allocate", "allocate the new capacity, rather than leaving it sparse"),
        flag("delta", "use capacity as a delta to current size, rather than the new size"),
        flag("shrink", "allow the resize to shrink the volume")},
       cmdVolResize},
      {"vol-upload", kVolGroup, "upload file contents to a volume", "",
       {vol(), req("file", "file"), poolOpt(), num("offset", "volume offset to upload to"),
        num("length", "amount of data to upload"), flag("sparse", "preserve sparseness of volume"),
        flag("verbose", "display the progress of the upload")},
       cmdVolUpload},
      {"vol-wipe", kVolGroup, "wipe a vol", "",
       {vol(), poolOpt(), str("algorithm", "perform selected wiping algorithm")}, cmdVolWipe},
  };
}

}  // namespace stratus::cli
