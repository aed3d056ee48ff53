// Placement: chunk id -> placement group -> ordered replica drives.
//
// A chunk hashes to one of pg_count placement groups; a placement group's
// drives are chosen by rendezvous (highest random weight) hashing over the
// cluster map: each candidate drive gets a pseudo-random score from
// (pg, drive id), scaled by its weight, and the best scores win.  Adding or
// removing a drive only moves the placements that drive wins or loses.
//
// Failure domains: when the map has at least `replicas` hosts, no two
// replicas share a host; otherwise no two share a drive.  Asking for more
// replicas than there are drives is refused.
#ifndef WEFT_STORAGE_PLACEMENT_H
#define WEFT_STORAGE_PLACEMENT_H

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "status.h"

namespace weft::storage {

enum class DriveState : uint8_t {
	kUp = 0,      // serving
	kFailed = 1,  // down: keeps its placements (its replicas are degraded)
	kOut = 2,     // removed from placement: its data is rebuilt elsewhere
};

const char *drive_state_name(DriveState state);

struct DriveInfo {
	uint32_t id = 0;
	uint32_t host_id = 0;
	DriveState state = DriveState::kUp;
	double weight = 1.0;  // e.g. capacity in TiB; relative only
};

// The cluster map: every drive with its host and state, versioned by an
// epoch that grows with every change, so peers can tell which map is newer.
class ClusterMap {
public:
	uint64_t epoch() const { return epoch_; }
	const std::map<uint32_t, DriveInfo> &drives() const { return drives_; }
	const DriveInfo *find(uint32_t id) const;

	// EEXIST if the id is taken.
	Status add_drive(const DriveInfo &drive);
	Status remove_drive(uint32_t id);
	Status set_state(uint32_t id, DriveState state);
	// Restores a persisted map as is.
	void restore(uint64_t epoch, std::map<uint32_t, DriveInfo> drives);

private:
	uint64_t epoch_ = 0;
	std::map<uint32_t, DriveInfo> drives_;
};

uint32_t placement_group(uint64_t chunk_id, uint32_t pg_count);

// Drives not to choose, e.g. full ones, or ones already holding a replica.
using DriveFilter = std::function<bool(uint32_t drive_id)>;

// The `replicas` drives of a placement group, best first, among the drives
// that are not out.  EINVAL if replicas exceeds the drives in the map (not
// counting out ones); ENOSPC if `skip` leaves too few.
Result<std::vector<uint32_t>> place(const ClusterMap &map, uint32_t pg, uint32_t replicas,
				    const DriveFilter &skip = {});

}  // namespace weft::storage

#endif
