// MOUNT of a file system created through management (`weft fs create`).
//
// The namespace handlers answer the names their metadata store knows.  A
// name that only the catalog (ClusterState) knows gets a namespace of its
// own in the store (an empty root directory) at its first mount, and is
// then mounted like any other.  Also: what STATFS and the stores' capacity
// checks ask of the catalog.
#ifndef WEFT_DAEMON_CATALOG_MOUNT_H
#define WEFT_DAEMON_CATALOG_MOUNT_H

#include "cluster_state.h"
#include "dispatcher.h"
#include "fs_handlers.h"
#include "metadata_store.h"

namespace weft {

// Replaces the MOUNT handler on d; call after fs.register_with(d).
// fs, store and cluster must outlive d.
void register_catalog_mount(Dispatcher &d, FsHandlers &fs, MetadataStore &store,
			    ClusterState &cluster);

// STATFS numbers from the catalog and the engine (FsHandlerOptions::space):
// a file system with a capacity offers it (free: what its files leave,
// at most the engine's free space per copy); one without offers the
// engine's up drives divided by its replication.
std::function<Result<FsSpace>(std::string_view, uint64_t)> catalog_space(ClusterState &cluster);

// The catalog's capacity of a file system (MetadataStore::set_capacity_source);
// 0: none (thin).
MetadataStore::CapacityFn catalog_capacity(ClusterState &cluster);

}  // namespace weft

#endif
