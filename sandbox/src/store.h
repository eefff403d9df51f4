// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Persistence of the sandbox state: one collection per kind of record (orders, refunds, ...), each
// a JSON object keyed by id. A collection lives in two files of the state directory:
//   NAME.json     a snapshot, replaced atomically (write temporary file, fsync, rename);
//   NAME.journal  one JSON line per change since the snapshot, appended with a single write()
//                 before the change is acknowledged.
// Loading reads the snapshot, replays the journal (a torn last line from a crash is ignored) and
// compacts. Compaction (every kMaxJournalRecords changes, on load and on close) writes the
// snapshot of everything in memory, the change being made included, to a temporary file, fsyncs
// it, renames it over NAME.json, fsyncs the directory, and only then empties the journal: a crash
// at any point leaves either the old snapshot with the whole journal, or the new snapshot with a
// journal whose records it already holds (replaying them again gives the same state). See
// docs/adr/0003-sandbox.md. Not thread-safe: the engine serializes access.
#ifndef WECHATPAY_SANDBOX_SRC_STORE_H_
#define WECHATPAY_SANDBOX_SRC_STORE_H_

#include <map>
#include <memory>
#include <string>

#include "util.h"
#include "wechatpay/result.h"

namespace wechatpay::sandbox {

class Collection {
 public:
  // A journal with this many records is folded into the snapshot.
  static constexpr size_t kMaxJournalRecords = 4096;

  Collection(std::string dir, std::string name);
  ~Collection();
  Collection(const Collection&) = delete;
  Collection& operator=(const Collection&) = delete;

  Status Load();
  const Json* Get(const std::string& key) const;
  // Stores `value` under `key`; the change is on disk (in the journal) when this returns ok. On
  // an error nothing changed, in memory or on disk.
  Status Put(const std::string& key, const Json& value);
  // Removes `key` (nothing to do when absent), with the same guarantee as Put.
  Status Erase(const std::string& key);
  const std::map<std::string, Json>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  // True when the journal holds changes the snapshot does not.
  bool dirty() const { return journal_records_ > 0; }
  // Writes the snapshot and empties the journal.
  Status Compact();
  void Close();

 private:
  // Appends one record to the journal with a single write(); on failure the journal is cut back
  // to its previous length, so that a partial line never precedes the next record.
  Status Append(const Json& record);
  Status OpenJournal();
  // Called after a change is in the journal and in memory: compacts when the journal is full. A
  // failed compaction does not undo the change (the journal still holds it); it is reported and
  // tried again after another kMaxJournalRecords changes.
  void AfterChange();
  // Removes temporary snapshot files left by a process that crashed while compacting.
  void RemoveStaleTemporaries() const;

  std::string dir_;
  std::string name_;
  std::string snapshot_path_;
  std::string journal_path_;
  std::map<std::string, Json> items_;
  int journal_fd_ = -1;
  size_t journal_records_ = 0;
  size_t compact_at_ = kMaxJournalRecords;
  bool journal_needs_newline_ = false;
};

class Store {
 public:
  explicit Store(std::string dir) : dir_(std::move(dir)) {}
  // The collection `name`, loaded from disk on first use.
  Result<Collection*> Open(const std::string& name);
  // Compacts and closes every collection.
  void Close();

 private:
  std::string dir_;
  std::map<std::string, std::unique_ptr<Collection>> collections_;
};

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_STORE_H_
