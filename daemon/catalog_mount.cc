#include "catalog_mount.h"

#include <algorithm>
#include <string>

#include "request_names.h"

namespace weft {

void register_catalog_mount(Dispatcher &d, FsHandlers &fs, MetadataStore &store,
			    ClusterState &cluster)
{
	d.add(WEFT_OP_MOUNT, [&fs, &store, &cluster](const Request &req) -> Reply {
		// The name is copied before mount() may write the reply over it.
		auto name = fs_name(req);
		if (!name)
			return fs.mount(req);
		std::string saved(*name);
		Reply r = fs.mount(req);
		if (r || r.error().code != ENOENT || !cluster.has_fs(saved))
			return r;
		if (auto root = store.add_filesystem(saved); !root)
			return make_error(root.error().code, root.error().message);
		Request again{req.sqe,
			      std::span<const std::byte>(
				      reinterpret_cast<const std::byte *>(saved.data()),
				      saved.size()),
			      req.out};
		return fs.mount(again);
	});
}

std::function<Result<FsSpace>(std::string_view, uint64_t)> catalog_space(ClusterState &cluster)
{
	return [&cluster](std::string_view name, uint64_t used) -> Result<FsSpace> {
		auto config = cluster.find_fs(name);
		const Capacity c = cluster.capacity();
		const uint64_t copies = config ? std::max(config->replication, 1u) : 1;
		FsSpace space;
		space.total_bytes = c.raw_bytes / copies;
		space.free_bytes = c.free_bytes / copies;
		if (config && config->capacity_bytes != 0) {
			space.total_bytes = config->capacity_bytes;
			space.free_bytes = std::min(space.free_bytes,
						    config->capacity_bytes - std::min(used, config->capacity_bytes));
		}
		return space;
	};
}

MetadataStore::CapacityFn catalog_capacity(ClusterState &cluster)
{
	return [&cluster](std::string_view name) -> uint64_t {
		auto config = cluster.find_fs(name);
		return config ? config->capacity_bytes : 0;
	};
}

}  // namespace weft
