#include "placement.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace weft::storage {
namespace {

uint64_t mix64(uint64_t x)
{
	// splitmix64 finalizer: every input bit affects every output bit.
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

// Weighted rendezvous score: weight / -ln(u) with u uniform in (0, 1), so a
// drive wins in proportion to its weight (Schindelhauer & Schomaker).
double score(uint32_t pg, const DriveInfo &d)
{
	uint64_t h = mix64(mix64(pg + 0x9e3779b97f4a7c15ull) ^ (uint64_t{d.id} * 0xd6e8feb86659fd93ull));
	double u = (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53;
	return d.weight / -std::log(u);
}

}  // namespace

const char *drive_state_name(DriveState state)
{
	switch (state) {
	case DriveState::kUp:
		return "up";
	case DriveState::kFailed:
		return "failed";
	case DriveState::kOut:
		return "out";
	}
	return "unknown";
}

const DriveInfo *ClusterMap::find(uint32_t id) const
{
	auto it = drives_.find(id);
	return it == drives_.end() ? nullptr : &it->second;
}

Status ClusterMap::add_drive(const DriveInfo &drive)
{
	if (drive.weight <= 0)
		return make_error(EINVAL, "drive weight must be positive");
	if (!drives_.emplace(drive.id, drive).second)
		return make_error(EEXIST, "drive " + std::to_string(drive.id) + " is already in the map");
	epoch_++;
	return {};
}

Status ClusterMap::remove_drive(uint32_t id)
{
	if (drives_.erase(id) == 0)
		return make_error(ENOENT, "no drive " + std::to_string(id));
	epoch_++;
	return {};
}

Status ClusterMap::set_state(uint32_t id, DriveState state)
{
	auto it = drives_.find(id);
	if (it == drives_.end())
		return make_error(ENOENT, "no drive " + std::to_string(id));
	if (it->second.state != state) {
		it->second.state = state;
		epoch_++;
	}
	return {};
}

void ClusterMap::restore(uint64_t epoch, std::map<uint32_t, DriveInfo> drives)
{
	epoch_ = epoch;
	drives_ = std::move(drives);
}

uint32_t placement_group(uint64_t chunk_id, uint32_t pg_count)
{
	return static_cast<uint32_t>(mix64(chunk_id) % pg_count);
}

Result<std::vector<uint32_t>> place(const ClusterMap &map, uint32_t pg, uint32_t replicas,
				    const DriveFilter &skip)
{
	struct Candidate {
		double score;
		const DriveInfo *drive;
	};
	std::vector<Candidate> candidates;
	std::set<uint32_t> hosts;
	for (const auto &[id, d] : map.drives()) {
		if (d.state == DriveState::kOut)
			continue;
		candidates.push_back({score(pg, d), &d});
		hosts.insert(d.host_id);
	}
	if (replicas == 0 || replicas > candidates.size())
		return make_error(EINVAL, "replication factor " + std::to_string(replicas) +
						  " needs that many drives; the cluster has " +
						  std::to_string(candidates.size()));
	bool host_domain = hosts.size() >= replicas;
	std::sort(candidates.begin(), candidates.end(),
		  [](const Candidate &a, const Candidate &b) {
			  return a.score > b.score || (a.score == b.score && a.drive->id < b.drive->id);
		  });
	std::vector<uint32_t> chosen;
	std::set<uint32_t> used_hosts;
	for (const Candidate &c : candidates) {
		if (chosen.size() == replicas)
			break;
		if (host_domain && used_hosts.count(c.drive->host_id) != 0)
			continue;
		if (skip && skip(c.drive->id))
			continue;
		chosen.push_back(c.drive->id);
		used_hosts.insert(c.drive->host_id);
	}
	if (chosen.size() < replicas)
		return make_error(ENOSPC, "only " + std::to_string(chosen.size()) + " of " +
						  std::to_string(replicas) +
						  " replicas could be placed");
	return chosen;
}

}  // namespace weft::storage
