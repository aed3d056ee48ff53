// Defaults for the MetadataStore methods a store may not have grown yet.
#include "metadata_store.h"

#include <cerrno>

namespace weft {

namespace {
Error unsupported(const char *what)
{
	return make_error(EOPNOTSUPP, std::string(what) + " is not supported by this metadata store");
}
}  // namespace

Status MetadataStore::remove_filesystem(std::string_view) { return unsupported("removing a file system"); }

Status MetadataStore::rename_filesystem(std::string_view, std::string_view)
{
	return unsupported("renaming a file system");
}

Result<std::string> MetadataStore::getxattr(uint64_t, std::string_view)
{
	return unsupported("getxattr");
}

Status MetadataStore::setxattr(uint64_t, std::string_view, std::string_view, uint32_t)
{
	return unsupported("setxattr");
}

Result<std::vector<std::string>> MetadataStore::listxattr(uint64_t)
{
	return unsupported("listxattr");
}

Status MetadataStore::removexattr(uint64_t, std::string_view) { return unsupported("removexattr"); }

Result<InodeAttr> MetadataStore::fallocate(uint64_t, uint32_t, uint64_t, uint64_t)
{
	return unsupported("fallocate");
}

Result<uint64_t> MetadataStore::seek_data_hole(uint64_t, uint64_t, int)
{
	return unsupported("SEEK_DATA/SEEK_HOLE");
}

}  // namespace weft
