// RocksMetadataStore::check: the offline fsck of a stopped node's namespace
// and storage engine (`weftd --check`).
#include <map>
#include <set>

#include "namespace_format.h"

namespace weft {

using namespace nsdb;

Result<std::vector<std::string>> RocksMetadataStore::check(const std::string &dir,
							   storage::ChunkStore &chunks)
{
	auto dbr = open_db(dir, true);
	if (!dbr)
		return dbr.error();
	rocksdb::DB &db = **dbr;
	std::vector<std::string> problems;
	auto problem = [&](std::string s) { problems.push_back(std::move(s)); };

	std::map<uint64_t, Inode> inodes;
	for (PrefixScan i(db, std::string(1, kInodeKey)); i.valid(); i.next()) {
		const uint64_t ino = i.tail().size() == 8 ? get_be<uint64_t>(i.tail().data()) : 0;
		auto n = decode_inode(ino, i.value());
		if (!n)
			problem(n.error().message);
		else
			inodes.emplace(ino, *n);
	}
	std::map<uint64_t, std::string> roots;
	for (PrefixScan f(db, std::string(1, kFsKey)); f.valid(); f.next()) {
		const uint64_t root = f.value().size() == 8 ? le64(f.value(), 0) : 0;
		roots[root] = std::string(f.tail());
		auto it = inodes.find(root);
		if (it == inodes.end() || !is_dir(it->second.attr))
			problem("file system '" + std::string(f.tail()) + "': root inode " +
				std::to_string(root) + " missing or not a directory");
	}
	std::map<uint64_t, uint32_t> refs, subdirs;
	std::map<uint64_t, uint64_t> named_in;	// directory -> the directory naming it
	std::set<std::pair<uint64_t, uint64_t>> by_cookie;	// (dir, cookie) from E keys
	for (PrefixScan e(db, std::string(1, kNameKey)); e.valid(); e.next()) {
		if (e.tail().size() < 8 || e.value().size() != 20) {
			problem("malformed entry key");
			continue;
		}
		const uint64_t d = get_be<uint64_t>(e.tail().data());
		const std::string name(e.tail().substr(8));
		const Entry en{le64(e.value(), 0), le64(e.value(), 8), le32(e.value(), 16)};
		const std::string what = "entry " + std::to_string(d) + "/" + name;
		auto dit = inodes.find(d);
		if (dit == inodes.end() || !is_dir(dit->second.attr))
			problem(what + ": directory " + std::to_string(d) + " missing or not a directory");
		else if (en.cookie >= dit->second.next_cookie)
			problem(what + ": cookie " + std::to_string(en.cookie) + " not below the directory's next cookie");
		auto cit = inodes.find(en.ino);
		if (cit == inodes.end()) {
			problem(what + " names missing inode " + std::to_string(en.ino));
		} else {
			if (dirent_type(cit->second.attr.mode) != en.type)
				problem(what + ": type " + std::to_string(en.type) + " but inode " +
					std::to_string(en.ino) + " is type " +
					std::to_string(dirent_type(cit->second.attr.mode)));
			refs[en.ino]++;
			if (is_dir(cit->second.attr)) {
				subdirs[d]++;
				named_in[en.ino] = d;
			}
		}
		std::string v;
		rocksdb::Status s = db.Get(rocksdb::ReadOptions(), cookie_key(d, en.cookie), &v);
		if (!s.ok() || v != encode_cookie_value(en.ino, en.type, name))
			problem(what + ": no matching cookie record");
		by_cookie.insert({d, en.cookie});
	}
	for (PrefixScan k(db, std::string(1, kCookieKey)); k.valid(); k.next()) {
		if (k.tail().size() != 16) {
			problem("malformed cookie key");
			continue;
		}
		const uint64_t d = get_be<uint64_t>(k.tail().data()), c = get_be<uint64_t>(k.tail().data() + 8);
		if (!by_cookie.count({d, c}))
			problem("cookie " + std::to_string(c) + " in directory " + std::to_string(d) +
				" has no name record");
	}
	std::set<uint64_t> orphans;
	for (PrefixScan o(db, std::string(1, kOrphanKey)); o.valid(); o.next()) {
		const uint64_t ino = get_be<uint64_t>(o.tail().data());
		orphans.insert(ino);
		problem("orphan inode " + std::to_string(ino) + " left (reclaimed at the next start)");
	}
	for (PrefixScan t(db, std::string(1, kTruncKey)); t.valid(); t.next())
		problem("interrupted truncate of inode " + std::to_string(get_be<uint64_t>(t.tail().data())));
	uint64_t limit = 1;
	{
		std::string v;
		if (db.Get(rocksdb::ReadOptions(), kCounterKey, &v).ok() && v.size() == 8)
			limit = le64(v, 0);
	}
	for (const auto &[ino, n] : inodes) {
		const std::string what = "inode " + std::to_string(ino);
		const InodeAttr &a = n.attr;
		if ((ino & ((uint64_t{1} << kShardShift) - 1)) >= limit)
			problem(what + ": number not below the inode counter " + std::to_string(limit));
		if (!roots.count(n.fs))
			problem(what + ": file system root " + std::to_string(n.fs) + " unknown");
		if (is_dir(a)) {
			const uint32_t want = 2 + subdirs[ino];
			if (a.nlink != want)
				problem(what + ": directory nlink " + std::to_string(a.nlink) + ", expected " +
					std::to_string(want));
			if (a.size != 0)
				problem(what + ": directory size " + std::to_string(a.size) + ", expected 0");
			if (roots.count(ino)) {
				if (n.parent != ino)
					problem(what + ": root's parent is " + std::to_string(n.parent));
			} else if (refs[ino] != 1) {
				problem(what + ": directory named by " + std::to_string(refs[ino]) + " entries");
			} else if (named_in[ino] != n.parent) {
				problem(what + ": parent " + std::to_string(n.parent) + " but named in " +
					std::to_string(named_in[ino]));
			}
			continue;
		}
		if (a.nlink != refs[ino])
			problem(what + ": nlink " + std::to_string(a.nlink) + " but " +
				std::to_string(refs[ino]) + " entries name it");
		if (a.nlink == 0 && !orphans.count(ino))
			problem(what + ": named nowhere and not an orphan (leaked)");
		if (S_ISLNK(a.mode)) {
			std::string v;
			if (!db.Get(rocksdb::ReadOptions(), key(kLinkKey, ino), &v).ok())
				problem(what + ": symlink without a target");
			else if (v.size() != a.size)
				problem(what + ": symlink size " + std::to_string(a.size) + ", target is " +
					std::to_string(v.size()) + " bytes");
		}
	}
	for (PrefixScan l(db, std::string(1, kLinkKey)); l.valid(); l.next())
		if (!inodes.count(get_be<uint64_t>(l.tail().data())))
			problem("symlink target of missing inode " + std::to_string(get_be<uint64_t>(l.tail().data())));
	uint64_t last_x = 0;
	for (PrefixScan x(db, std::string(1, kXattrKey)); x.valid(); x.next()) {
		const uint64_t ino = get_be<uint64_t>(x.tail().data());
		if (ino != last_x && !inodes.count(ino))
			problem("xattrs of missing inode " + std::to_string(ino));
		last_x = ino;
	}
	for (uint64_t lo = 0;;) {
		auto ids = chunks.chunk_ids(lo, UINT64_MAX, 1);
		if (!ids) {
			problem("listing chunks: " + ids.error().message);
			break;
		}
		if (ids->empty())
			break;
		const uint64_t ino = FileData::ino_of(ids->front());
		auto it = inodes.find(ino);
		if (it == inodes.end() || !S_ISREG(it->second.attr.mode))
			problem("chunk " + std::to_string(ids->front()) + " belongs to missing inode " +
				std::to_string(ino));
		if (ino >= FileData::kMaxIno)
			break;
		lo = FileData::chunk_id(ino + 1, 0);
	}
	if (Status st = chunks.check(); !st.ok())
		problem("storage engine: " + st.error().message);
	return problems;
}

}  // namespace weft
