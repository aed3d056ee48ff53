#include "catalog_mount.h"

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

}  // namespace weft
