// RecordCache: decoded records of a RocksDB database, in memory, by id.
//
// Why: a Get and a decode cost microseconds natively and tens of them
// under an emulated CPU, and the hot paths read the same records over and
// over: a LOOKUP read three inode records, every change read its
// directory and child again, every read of a chunk its chunk record.
//
// Write-through: the owner puts every record a commit wrote and erases
// every one it deleted (or whose commit failed), after the batch is
// written.  A read fills the cache only if no change was made since it
// began (fill_token() before the Get, fill() after), so a fill can never
// leave an older record behind a commit, whatever the caller's locking.
// Bounded: past capacity an arbitrary record is dropped.
#ifndef WEFT_STORAGE_RECORD_CACHE_H
#define WEFT_STORAGE_RECORD_CACHE_H

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace weft::storage {

template <typename Record>
class RecordCache {
public:
	explicit RecordCache(size_t capacity) : capacity_(capacity) {}

	std::optional<Record> find(uint64_t ino) const
	{
		std::lock_guard lock(mu_);
		auto it = records_.find(ino);
		if (it == records_.end())
			return std::nullopt;
		return it->second;
	}

	// Taken before reading a record from the database.
	uint64_t fill_token() const
	{
		std::lock_guard lock(mu_);
		return changes_;
	}

	// Caches a record read from the database, unless a change was made
	// since token was taken.
	void fill(uint64_t ino, const Record &record, uint64_t token)
	{
		std::lock_guard lock(mu_);
		if (token == changes_)
			insert_locked(ino, record);
	}

	// A committed change: ino's record is now this.
	void put(uint64_t ino, const Record &record)
	{
		std::lock_guard lock(mu_);
		changes_++;
		insert_locked(ino, record);
	}

	// After a commit of a batch that wrote record as ino's (null: deleted
	// it).  A failed batch's fate is unknown: ino is read again next time.
	void committed(uint64_t ino, const Record *record, bool written)
	{
		if (written && record)
			put(ino, *record);
		else
			erase(ino);
	}

	// A committed deletion, or a change whose outcome is unknown.
	void erase(uint64_t ino)
	{
		std::lock_guard lock(mu_);
		changes_++;
		records_.erase(ino);
	}

	size_t size() const
	{
		std::lock_guard lock(mu_);
		return records_.size();
	}

private:
	void insert_locked(uint64_t ino, const Record &record)
	{
		if (records_.size() >= capacity_ && records_.find(ino) == records_.end())
			records_.erase(records_.begin());
		records_.insert_or_assign(ino, record);
	}

	const size_t capacity_;
	mutable std::mutex mu_;
	std::unordered_map<uint64_t, Record> records_;
	uint64_t changes_ = 0;
};

}  // namespace weft::storage

#endif
