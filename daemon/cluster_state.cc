#include "cluster_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "log.h"
#include "storage/drive.h"
#include "unique_fd.h"

namespace weft {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kCatalogFormat = 1;
constexpr uint64_t kBlock = 4096;
constexpr size_t kFsNameMax = 63;  // WEFT_FSNAME_MAX - 1

std::string human_bytes(uint64_t b)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = static_cast<double>(b);
	int u = 0;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	char buf[32];
	if (u == 0)
		std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
	else
		std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
	return buf;
}

std::string read_line(const fs::path &p)
{
	std::ifstream in(p);
	std::string s;
	std::getline(in, s);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.pop_back();
	return s;
}

Status write_file_durably(const std::string &path, const std::string &text)
{
	const std::string tmp = path + ".tmp";
	{
		UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
		if (!fd.valid())
			return storage::errno_error(errno, "create " + tmp);
		size_t done = 0;
		while (done < text.size()) {
			ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return storage::errno_error(n < 0 ? errno : EIO, "write " + tmp);
			done += static_cast<size_t>(n);
		}
		if (::fsync(fd.get()) != 0)
			return storage::errno_error(errno, "fsync " + tmp);
	}
	if (::rename(tmp.c_str(), path.c_str()) != 0)
		return storage::errno_error(errno, "rename " + tmp);
	UniqueFd dir(::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dir.valid())
		(void)::fsync(dir.get());
	return {};
}

bool up(const storage::DriveStatus &d)
{
	return d.open && d.record.info.state == storage::DriveState::kUp;
}

}  // namespace

ClusterState::ClusterState(Token, ClusterOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<ClusterState>> ClusterState::open(const ClusterOptions &options)
{
	auto st = std::make_unique<ClusterState>(Token{}, options);
	std::error_code ec;
	fs::create_directories(options.data_dir, ec);
	if (ec)
		return make_error(ec.value(), "cannot create data dir " + options.data_dir + ": " +
						      ec.message());
	bool created = false;
	WEFT_RETURN_IF_ERROR(st->load_catalog(created));

	storage::StoreOptions so;
	so.meta_dir = (fs::path(options.data_dir) / "meta").string();
	so.cluster = st->cluster_;
	so.pg_count = options.pg_count;
	so.buffers = 4;
	auto store = storage::ChunkStore::open(so);
	if (!store)
		return make_error(store.error().code, "storage engine in " + so.meta_dir + ": " +
							      store.error().message);
	st->store_ = std::move(*store);

	std::lock_guard lock(st->mu_);
	if (st->store_->drive_status().empty() && options.default_drive) {
		// Zero setup: a sparse drive file in the data directory.
		// Not fatal: the data dir may not take O_DIRECT (tmpfs before
		// 6.6); weftd then starts without capacity until a drive is added.
		const std::string path = (fs::path(options.data_dir) / "default-drive.img").string();
		Status made;
		if (!fs::exists(path))
			made = storage::create_drive_file(path, options.default_drive_bytes);
		Result<uint32_t> id = made.ok() ? st->store_->add_drive(path, options.host_id, true,
									/*force=*/true)
						: Result<uint32_t>(made.error());
		if (id) {
			st->default_drive_ = path;
			WEFT_LOG(kInfo) << "no drive configured: using " << path << " ("
					<< human_bytes(options.default_drive_bytes) << " sparse)";
		} else {
			std::error_code ec;
			fs::remove(path, ec);
			WEFT_LOG(kWarn) << "no drive configured and no default drive ("
					<< id.error().message << "): add one with 'weft drive add'";
		}
		created = true;
	}
	if (created)
		WEFT_RETURN_IF_ERROR(st->save_catalog_locked());
	return st;
}

Status ClusterState::load_catalog(bool &created)
{
	const fs::path path = fs::path(options_.data_dir) / "cluster.json";
	std::ifstream in(path);
	if (!in) {
		if (errno != ENOENT && fs::exists(path))
			return storage::errno_error(errno, "read " + path.string());
		cluster_ = storage::Uuid::generate();
		fs_.push_back(FsConfig{kDefaultFs, next_fs_id_++, 0, 1,
				       static_cast<int64_t>(::time(nullptr))});
		created = true;
		return {};
	}
	std::stringstream text;
	text << in.rdbuf();
	json j = json::parse(text.str(), nullptr, false);
	auto bad = [&](const std::string &why) {
		return make_error(EUCLEAN, path.string() + ": " + why);
	};
	if (j.is_discarded() || !j.is_object())
		return bad("not a JSON object");
	try {
		if (j.at("format").get<int>() != kCatalogFormat)
			return make_error(EPROTONOSUPPORT, path.string() + ": unsupported format " +
								   j.at("format").dump());
		auto id = storage::Uuid::parse(j.at("cluster_uuid").get<std::string>());
		if (!id)
			return bad("bad cluster_uuid");
		cluster_ = *id;
		name_ = j.value("cluster_name", std::string());
		named_unix_ = j.value("cluster_named_unix", int64_t{0});
		default_drive_ = j.value("default_drive", std::string());
		next_fs_id_ = j.at("next_fs_id").get<uint32_t>();
		for (const json &f : j.at("filesystems")) {
			FsConfig c;
			c.name = f.at("name").get<std::string>();
			c.id = f.at("id").get<uint32_t>();
			c.capacity_bytes = f.at("capacity_bytes").get<uint64_t>();
			c.replication = f.at("replication").get<uint32_t>();
			c.created_unix = f.value("created_unix", int64_t{0});
			fs_.push_back(std::move(c));
		}
	} catch (const json::exception &e) {
		return bad(e.what());
	}
	return {};
}

Status ClusterState::save_catalog_locked()
{
	json list = json::array();
	for (const FsConfig &f : fs_)
		list.push_back({{"name", f.name},
				{"id", f.id},
				{"capacity_bytes", f.capacity_bytes},
				{"replication", f.replication},
				{"created_unix", f.created_unix}});
	json j{{"format", kCatalogFormat},
	       {"cluster_uuid", cluster_.to_string()},
	       {"cluster_name", name_},
	       {"cluster_named_unix", named_unix_},
	       {"default_drive", default_drive_},
	       {"next_fs_id", next_fs_id_},
	       {"filesystems", list}};
	return write_file_durably((fs::path(options_.data_dir) / "cluster.json").string(),
				  j.dump(2) + "\n");
}

std::string ClusterState::cluster_id() const
{
	return cluster_.to_string();
}

// ---- the cluster ---------------------------------------------------------------

Status ClusterState::check_cluster_name(const std::string &name)
{
	if (name.empty() || name.size() > kFsNameMax)
		return make_error(EINVAL, "bad cluster name '" + name + "' (1 to " +
						  std::to_string(kFsNameMax) + " characters)");
	for (char ch : name)
		if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' &&
		    ch != '.')
			return make_error(EINVAL, "bad cluster name '" + name +
							  "' (letters, digits, '-', '_' and '.' only)");
	return {};
}

std::string ClusterState::cluster_name()
{
	std::lock_guard lock(mu_);
	return name_;
}

Status ClusterState::create_cluster(const std::string &name)
{
	WEFT_RETURN_IF_ERROR(check_cluster_name(name));
	std::lock_guard lock(mu_);
	if (!name_.empty())
		return make_error(EEXIST, "this node is already in cluster '" + name_ + "' (" +
						  cluster_.to_string() +
						  "): rename it with 'weft cluster update --name'");
	const int64_t old_time = named_unix_;
	name_ = name;
	named_unix_ = static_cast<int64_t>(::time(nullptr));
	Status s = save_catalog_locked();
	if (!s.ok()) {
		name_.clear();
		named_unix_ = old_time;
		return s;
	}
	WEFT_LOG(kInfo) << "created cluster '" << name << "' (" << cluster_.to_string() << ")";
	return {};
}

Status ClusterState::rename_cluster(const std::string &name)
{
	WEFT_RETURN_IF_ERROR(check_cluster_name(name));
	std::lock_guard lock(mu_);
	if (name_.empty())
		return make_error(ENOENT, "this node's cluster has no name yet: create it with "
					  "'weft cluster create NAME'");
	if (name == name_)
		return {};
	std::string old = name_;
	name_ = name;
	Status s = save_catalog_locked();
	if (!s.ok()) {
		name_ = old;
		return s;
	}
	WEFT_LOG(kInfo) << "renamed cluster '" << old << "' to '" << name << "'";
	return {};
}

std::vector<HostInfo> ClusterState::hosts()
{
	HostInfo h;
	char buf[256] = {};
	if (::gethostname(buf, sizeof buf - 1) == 0)
		h.hostname = buf;
	if (h.hostname.empty())
		h.hostname = "localhost";
	h.id = options_.host_id;
	h.state = "up";
	for (const storage::DriveStatus &d : store_->drive_status()) {
		h.drives++;
		h.drives_up += up(d);
	}
	return {h};
}

// ---- drives -----------------------------------------------------------------

void ClusterState::retire_default_drive_locked()
{
	if (default_drive_.empty())
		return;
	for (const storage::DriveStatus &d : store_->drive_status()) {
		if (d.record.path != default_drive_)
			continue;
		Status s = store_->remove_drive(d.record.info.id);
		if (!s.ok()) {
			WEFT_LOG(kInfo) << "keeping the default drive: " << s.error().message;
			return;
		}
		std::error_code ec;
		fs::remove(default_drive_, ec);
		WEFT_LOG(kInfo) << "retired the default drive " << default_drive_;
	}
	default_drive_.clear();
}

Result<storage::DriveStatus> ClusterState::add_drive(const std::string &path, bool force)
{
	if (path.empty() || path[0] != '/')
		return make_error(EINVAL, "drive path must be absolute, not '" + path + "'");
	std::lock_guard lock(mu_);
	std::error_code ec;
	const std::string canon = fs::weakly_canonical(path, ec).string();
	for (const storage::DriveStatus &d : store_->drive_status())
		if (d.record.path == path || (!ec && d.record.path == canon))
			return make_error(EEXIST, path + " is already drive " +
							  std::to_string(d.record.info.id));
	auto id = store_->add_drive(path, options_.host_id, true, force);
	if (!id)
		return id.error();
	WEFT_LOG(kInfo) << "added drive " << *id << ": " << path;
	retire_default_drive_locked();
	Status s = save_catalog_locked();
	if (!s.ok())
		return s.error();
	for (storage::DriveStatus &d : store_->drive_status())
		if (d.record.info.id == *id)
			return d;
	return make_error(EIO, "drive " + std::to_string(*id) + " vanished after it was added");
}

Result<storage::DriveStatus> ClusterState::ensure_drive(const std::string &path, bool force)
{
	auto added = add_drive(path, force);
	if (added || added.error().code != EEXIST)
		return added;
	// EEXIST is also what the engine says of a drive it cannot take: only
	// a drive already recorded under this path is "ours".
	std::error_code ec;
	const std::string canon = fs::weakly_canonical(path, ec).string();
	for (const storage::DriveStatus &d : store_->drive_status()) {
		if (d.record.path != path && (ec || d.record.path != canon))
			continue;
		if (!d.open)
			return make_error(EIO, path + " is drive " + std::to_string(d.record.info.id) +
						       " of this node but could not be opened");
		return d;
	}
	return added;
}

Result<storage::DriveStatus> ClusterState::remove_drive(const std::string &id_or_path)
{
	std::lock_guard lock(mu_);
	auto all = store_->drive_status();
	const storage::DriveStatus *found = nullptr;
	for (const storage::DriveStatus &d : all)
		if (std::to_string(d.record.info.id) == id_or_path || d.record.path == id_or_path)
			found = &d;
	if (found == nullptr)
		return make_error(ENOENT, "no drive '" + id_or_path + "' (see 'weft drive list')");
	storage::DriveStatus gone = *found;
	uint32_t left = 0;
	for (const storage::DriveStatus &d : all)
		left += up(d) && d.record.info.id != gone.record.info.id;
	for (const FsConfig &f : fs_)
		if (f.replication > left)
			return make_error(EBUSY, "file system '" + f.name + "' keeps " +
							 std::to_string(f.replication) +
							 " copies: removing drive " +
							 std::to_string(gone.record.info.id) +
							 " would leave " + std::to_string(left) +
							 " failure domain" + (left == 1 ? "" : "s"));
	Status s = store_->remove_drive(gone.record.info.id);
	if (!s.ok())
		return s.error();
	WEFT_LOG(kInfo) << "removed drive " << gone.record.info.id << ": " << gone.record.path;
	if (gone.record.path == default_drive_) {
		std::error_code ec;
		fs::remove(default_drive_, ec);
		default_drive_.clear();
	}
	s = save_catalog_locked();
	if (!s.ok())
		return s.error();
	return gone;
}

std::vector<storage::DriveStatus> ClusterState::drives()
{
	return store_->drive_status();
}

std::vector<ScannedDevice> ClusterState::scan()
{
	std::vector<ScannedDevice> out;
	std::vector<std::string> ours;
	for (const storage::DriveStatus &d : store_->drive_status())
		ours.push_back(d.record.path);
	std::error_code ec;
	for (const auto &entry : fs::directory_iterator(options_.sys_block, ec)) {
		const std::string name = entry.path().filename().string();
		// Candidates: NVMe namespaces, SCSI/SATA and virtio disks.
		if (name.rfind("nvme", 0) != 0 && name.rfind("sd", 0) != 0 &&
		    name.rfind("vd", 0) != 0)
			continue;
		ScannedDevice dev;
		dev.path = options_.dev_dir + "/" + name;
		try {
			dev.size_bytes = std::stoull(read_line(entry.path() / "size")) * 512;
		} catch (const std::exception &) {
			continue;
		}
		if (dev.size_bytes == 0)
			continue;
		dev.model = read_line(entry.path() / "device" / "model");
		dev.rotational = read_line(entry.path() / "queue" / "rotational") == "1";
		if (std::find(ours.begin(), ours.end(), dev.path) != ours.end())
			dev.state = "weft";
		else if (!storage::check_not_mounted(dev.path).ok())
			dev.state = "mounted";
		else
			dev.state = "available";
		out.push_back(std::move(dev));
	}
	std::sort(out.begin(), out.end(),
		  [](const ScannedDevice &a, const ScannedDevice &b) { return a.path < b.path; });
	return out;
}

// ---- capacity -----------------------------------------------------------------

Capacity ClusterState::capacity_locked()
{
	Capacity c;
	for (const storage::DriveStatus &d : store_->drive_status()) {
		if (!up(d))
			continue;
		c.raw_bytes += d.total_blocks * kBlock;
		c.free_bytes += d.free_blocks * kBlock;
		c.failure_domains++;
	}
	for (const FsConfig &f : fs_)
		c.provisioned_bytes += f.capacity_bytes * f.replication;
	return c;
}

Capacity ClusterState::capacity()
{
	std::lock_guard lock(mu_);
	return capacity_locked();
}

uint64_t ClusterState::fs_capacity(const FsConfig &f)
{
	if (f.capacity_bytes != 0)
		return f.capacity_bytes;
	Capacity c = capacity();
	uint64_t left = c.raw_bytes > c.provisioned_bytes ? c.raw_bytes - c.provisioned_bytes : 0;
	return left / std::max(f.replication, 1u) / kBlock * kBlock;
}

// ---- file systems ---------------------------------------------------------------

Status ClusterState::check_fs_name(const std::string &name)
{
	if (name.empty() || name.size() > kFsNameMax)
		return make_error(EINVAL, "bad file system name '" + name + "' (1 to " +
						  std::to_string(kFsNameMax) + " characters)");
	for (char ch : name)
		if (ch == '/' || ch == ',' || static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f)
			return make_error(EINVAL, "bad file system name '" + name +
							  "' (no '/', ',', blanks or control characters)");
	return {};
}

FsConfig *ClusterState::find_locked(std::string_view name)
{
	for (FsConfig &f : fs_)
		if (f.name == name)
			return &f;
	return nullptr;
}

Status ClusterState::check_replication_locked(uint32_t r, const Capacity &c)
{
	if (r < 1)
		return make_error(EINVAL, "replication must be at least 1");
	if (r > c.failure_domains)
		return make_error(EINVAL, "replication " + std::to_string(r) + " needs " +
						  std::to_string(r) +
						  " failure domains (drives on one host); this node has " +
						  std::to_string(c.failure_domains));
	return {};
}

Result<FsConfig> ClusterState::create_fs(const std::string &name, std::optional<uint64_t> cap,
					 std::optional<uint32_t> replication)
{
	WEFT_RETURN_IF_ERROR(check_fs_name(name));
	std::lock_guard lock(mu_);
	if (find_locked(name))
		return make_error(EEXIST, "file system '" + name + "' exists");
	Capacity c = capacity_locked();
	const uint32_t r = replication.value_or(1);
	WEFT_RETURN_IF_ERROR(check_replication_locked(r, c));
	const uint64_t unprovisioned =
		c.raw_bytes > c.provisioned_bytes ? c.raw_bytes - c.provisioned_bytes : 0;
	uint64_t bytes = cap.value_or(unprovisioned / r / kBlock * kBlock);
	if (cap && (*cap == 0 || *cap % kBlock != 0))
		bytes = (*cap + kBlock - 1) / kBlock * kBlock;
	if (bytes == 0 || bytes > unprovisioned / r)
		return make_error(ENOSPC, "not enough capacity for '" + name + "': " +
						  (cap ? human_bytes(bytes) + " x " + std::to_string(r) +
								 " copies wanted, "
						       : std::string()) +
						  human_bytes(unprovisioned) + " unprovisioned");
	FsConfig f{name, next_fs_id_++, bytes, r, static_cast<int64_t>(::time(nullptr))};
	fs_.push_back(f);
	Status s = save_catalog_locked();
	if (!s.ok()) {
		fs_.pop_back();
		return s.error();
	}
	WEFT_LOG(kInfo) << "created file system '" << name << "' (" << human_bytes(bytes) << ", "
			<< r << " copies)";
	return f;
}

Result<FsConfig> ClusterState::update_fs(const std::string &name,
					 std::optional<std::string> new_name,
					 std::optional<uint64_t> cap,
					 std::optional<uint32_t> replication)
{
	if (new_name)
		WEFT_RETURN_IF_ERROR(check_fs_name(*new_name));
	std::lock_guard lock(mu_);
	FsConfig *f = find_locked(name);
	if (f == nullptr)
		return make_error(ENOENT, "no file system '" + name + "'");
	if (!new_name && !cap && !replication)
		return make_error(EINVAL, "nothing to update: give new_name, capacity_bytes or replication");
	if (new_name && *new_name != name) {
		if (name == kDefaultFs)
			return make_error(EPERM, "the default file system cannot be renamed");
		if (find_locked(*new_name))
			return make_error(EEXIST, "file system '" + *new_name + "' exists");
	}
	FsConfig next = *f;
	if (new_name)
		next.name = *new_name;
	if (replication)
		next.replication = *replication;
	if (cap) {
		if (*cap == 0)
			return make_error(EINVAL, "capacity must be positive");
		next.capacity_bytes = (*cap + kBlock - 1) / kBlock * kBlock;
	}
	Capacity c = capacity_locked();
	if (replication)
		WEFT_RETURN_IF_ERROR(check_replication_locked(next.replication, c));
	const uint64_t others = c.provisioned_bytes - f->capacity_bytes * f->replication;
	if (next.capacity_bytes * next.replication + others > c.raw_bytes)
		return make_error(ENOSPC, "not enough capacity for '" + next.name + "': " +
						  human_bytes(next.capacity_bytes) + " x " +
						  std::to_string(next.replication) + " copies wanted, " +
						  human_bytes(c.raw_bytes > others ? c.raw_bytes - others : 0) +
						  " unprovisioned");
	FsConfig old = *f;
	*f = next;
	Status s = save_catalog_locked();
	if (!s.ok()) {
		*find_locked(next.name) = old;
		return s.error();
	}
	return next;
}

Status ClusterState::delete_fs(const std::string &name)
{
	std::lock_guard lock(mu_);
	if (name == kDefaultFs)
		return make_error(EPERM, "the default file system cannot be deleted");
	auto it = std::find_if(fs_.begin(), fs_.end(), [&](const FsConfig &f) { return f.name == name; });
	if (it == fs_.end())
		return make_error(ENOENT, "no file system '" + name + "'");
	FsConfig old = *it;
	auto pos = fs_.erase(it);
	Status s = save_catalog_locked();
	if (!s.ok()) {
		fs_.insert(pos, old);
		return s.error();
	}
	WEFT_LOG(kInfo) << "deleted file system '" << name << "'";
	return {};
}

std::vector<FsConfig> ClusterState::filesystems()
{
	std::lock_guard lock(mu_);
	return fs_;
}

bool ClusterState::has_fs(std::string_view name)
{
	std::lock_guard lock(mu_);
	return find_locked(name) != nullptr;
}

std::optional<FsConfig> ClusterState::find_fs(std::string_view name)
{
	std::lock_guard lock(mu_);
	if (const FsConfig *f = find_locked(name))
		return *f;
	return std::nullopt;
}

// ---- engine reports ---------------------------------------------------------------

Result<storage::ScrubReport> ClusterState::scrub()
{
	return store_->scrub();
}

Result<storage::RedundancyReport> ClusterState::redundancy()
{
	return store_->redundancy();
}

storage::StoreCounters ClusterState::counters()
{
	return store_->counters();
}

uint64_t ClusterState::epoch()
{
	return store_->cluster_map().epoch();
}

}  // namespace weft
