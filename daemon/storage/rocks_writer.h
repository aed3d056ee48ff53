// RocksWriter: the one way weftd writes to a RocksDB database; after a
// write fails, it refuses every later write instead of attempting it.
// And DiscardingRocksLogger, for the same reason (below).
//
// Why: RocksDB 7.8 as Debian 12 builds it keeps its assertions, and a write
// that follows a failed WAL write (the file system under the data dir full)
// trips one (WritableFileWriter::AssertFalseAndGetStatusForPrevError) and
// aborts the daemon.  Such a WAL cannot be resumed in place; reopening the
// database -- restarting weftd once space is freed -- recovers it.  A write
// already racing the failing one can still reach RocksDB: the guard closes
// the door for everything after, not for the write group in flight.
#ifndef WEFT_STORAGE_ROCKS_WRITER_H
#define WEFT_STORAGE_ROCKS_WRITER_H

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdarg>
#include <memory>
#include <string>

#include "status.h"

namespace weft::storage {

// RocksDB counts every read and write of a thread in a thread-local
// PerfContext unless the thread opts out; weftd never reads those counts,
// and with Debian's shared librocksdb each count is a TLS lookup: a fifth
// of a namespace change's CPU time (RocksStoreBench.NamespaceOps).  Every
// thread weftd starts that touches RocksDB calls this first.
inline void stop_rocks_perf_counting() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }

class RocksWriter {
public:
	explicit RocksWriter(rocksdb::DB &db) : db_(db) {}

	// what names the change in the error ("namespace commit").
	Status write(const rocksdb::WriteOptions &options, rocksdb::WriteBatch &batch,
		     const std::string &what)
	{
		if (int err = failed_.load(); err != 0)
			return make_error(err, what + ": an earlier write to " + db_.GetName() +
						       " failed; free space and restart weftd");
		rocksdb::Status s = db_.Write(options, &batch);
		if (s.ok())
			return {};
		int err = s.IsNoSpace() ? ENOSPC : EIO;
		failed_.store(err);
		return make_error(err, what + ": " + s.ToString());
	}

	Status put(const rocksdb::WriteOptions &options, const rocksdb::Slice &key,
		   const rocksdb::Slice &value, const std::string &what)
	{
		rocksdb::WriteBatch batch;
		batch.Put(key, value);
		return write(options, batch, what);
	}

private:
	rocksdb::DB &db_;
	std::atomic<int> failed_{0};
};

// RocksDB's informational LOG file goes through a writer with the same
// assertion: one full file system and the next log line aborts the daemon.
// weftd reports what matters itself, so databases open with this logger,
// which keeps nothing.
class DiscardingRocksLogger : public rocksdb::Logger {
public:
	using rocksdb::Logger::Logv;
	void Logv(const char *, va_list) override {}
};

inline std::shared_ptr<rocksdb::Logger> discarding_rocks_logger()
{
	return std::make_shared<DiscardingRocksLogger>();
}

}  // namespace weft::storage

#endif
