// MOUNT of a file system created through management (`weft fs create`).
//
// The namespace handlers answer the names their metadata store knows.  A
// name that only the catalog (ClusterState) knows gets a namespace of its
// own in the store (an empty root directory) at its first mount, and is
// then mounted like any other.
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

}  // namespace weft

#endif
