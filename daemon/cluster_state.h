// ClusterState: what management changes and reports on this node -- the
// storage engine (drives, chunks, redundancy) and the file system catalog.
//
// Persistence (docs/on-disk.md, "Node state"):
//   DATA_DIR/cluster.json  cluster id and name, the default drive file, the
//                          file systems; replaced atomically (write, fsync,
//                          rename, fsync dir) on every change
//   DATA_DIR/meta/         the engine's RocksDB (drives, chunks, epoch)
//   DATA_DIR/default-drive.img
//                          a sparse drive file, created when the node has no
//                          drive, retired when a real drive is added while it
//                          is still empty
//
// Thread-safe: management requests arrive on every queue thread.
#ifndef WEFT_DAEMON_CLUSTER_STATE_H
#define WEFT_DAEMON_CLUSTER_STATE_H

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "result.h"
#include "storage/chunk_store.h"

namespace weft {

struct ClusterOptions {
	std::string data_dir;
	uint64_t default_drive_bytes = 16ull << 30;	// sparse
	// false: no default drive file (weftd --drive names the drives)
	bool default_drive = true;
	uint64_t min_drive_bytes = 16ull << 20;
	uint32_t host_id = 0;
	std::string sys_block = "/sys/block";	// drive scan
	std::string dev_dir = "/dev";
	uint32_t pg_count = 65536;
};

struct FsConfig {
	std::string name;
	uint32_t id = 0;
	uint64_t capacity_bytes = 0;	// 0: thin (the default fs): what is unprovisioned
	uint32_t replication = 1;
	int64_t created_unix = 0;
};

struct ScannedDevice {
	std::string path;
	uint64_t size_bytes = 0;
	std::string model;
	bool rotational = false;
	std::string state;	// "weft" (a drive of this node), "mounted", "available"
};

// One member of the cluster.  A node is a single-node cluster: the list
// holds this host only until multi-node support lands.
struct HostInfo {
	std::string hostname;
	uint32_t id = 0;
	std::string state;	// "up"
	uint32_t drives = 0;
	uint32_t drives_up = 0;
	bool local = true;	// this host
};

// Capacity in bytes, from the drives that serve (up and open).
struct Capacity {
	uint64_t raw_bytes = 0;
	uint64_t free_bytes = 0;
	uint64_t provisioned_bytes = 0;	// sum of fs capacity x replication
	uint32_t failure_domains = 0;	// up drives (hosts, once there are several)
};

class ClusterState {
public:
	static constexpr const char *kDefaultFs = "default";

	// Opens (or creates) the node's state under options.data_dir.
	static Result<std::unique_ptr<ClusterState>> open(const ClusterOptions &options);

	std::string cluster_id() const;

	// The cluster's name; empty for a fresh node (an implicit, unnamed
	// single-node cluster).
	std::string cluster_name();
	// Names the cluster (persisted).  EEXIST when it already has a name,
	// EINVAL for a bad name.
	Status create_cluster(const std::string &name);
	// Renames a named cluster.  ENOENT when it has no name yet.
	Status rename_cluster(const std::string &name);
	// The hosts: this one (hostname, host id, up, its drives).
	std::vector<HostInfo> hosts();
	const std::string &default_drive_path() const { return default_drive_; }

	// Formats (unless it is ours already) and adds a drive.  force
	// reformats a drive holding a superblock; mounted, in-use and too
	// small drives are always refused.
	Result<storage::DriveStatus> add_drive(const std::string &path, bool force);
	// A drive named on weftd's command line (--drive): added through
	// add_drive() with its checks and errors, or -- when it is a drive of
	// this node already (a restart) -- simply the open drive; EIO when
	// the engine could not open it.
	Result<storage::DriveStatus> ensure_drive(const std::string &path, bool force);
	// By id ("3") or path.  EBUSY if it holds data or if a file system's
	// replication would exceed the failure domains left.
	Result<storage::DriveStatus> remove_drive(const std::string &id_or_path);
	std::vector<storage::DriveStatus> drives();
	std::vector<ScannedDevice> scan();

	Result<FsConfig> create_fs(const std::string &name, std::optional<uint64_t> capacity,
				   std::optional<uint32_t> replication);
	Result<FsConfig> update_fs(const std::string &name, std::optional<std::string> new_name,
				   std::optional<uint64_t> capacity,
				   std::optional<uint32_t> replication);
	Status delete_fs(const std::string &name);
	std::vector<FsConfig> filesystems();
	bool has_fs(std::string_view name);
	// The capacity a file system offers: its own, or for a thin one what
	// is not provisioned to others, divided by its replication.
	uint64_t fs_capacity(const FsConfig &fs);

	Capacity capacity();
	Result<storage::ScrubReport> scrub();
	Result<storage::RedundancyReport> redundancy();
	storage::StoreCounters counters();
	uint64_t epoch();
	// The engine the file data lives in (outlives every caller: it is
	// destroyed with this object).
	storage::ChunkStore &store() { return *store_; }
	// One file system's configuration; nullopt when unknown.
	std::optional<FsConfig> find_fs(std::string_view name);

private:
	struct Token {};

public:
	ClusterState(Token, ClusterOptions options);

private:
	Status load_catalog(bool &created);
	Status save_catalog_locked();
	Capacity capacity_locked();
	// EINVAL unless 1 <= r <= failure domains.
	Status check_replication_locked(uint32_t r, const Capacity &c);
	Status check_fs_name(const std::string &name);
	static Status check_cluster_name(const std::string &name);
	FsConfig *find_locked(std::string_view name);
	void retire_default_drive_locked();

	const ClusterOptions options_;
	std::unique_ptr<storage::ChunkStore> store_;
	storage::Uuid cluster_;
	std::string default_drive_;	// path while the default drive file is in use

	std::mutex mu_;	// the catalog, and drive changes
	std::string name_;	// empty: not named yet
	int64_t named_unix_ = 0;
	std::vector<FsConfig> fs_;
	uint32_t next_fs_id_ = 1;
};

}  // namespace weft

#endif
