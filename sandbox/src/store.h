// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Persistence of the sandbox state: one collection per kind of record (orders, refunds, ...), each
// a JSON object keyed by id. A collection lives in two files of the state directory:
//   NAME.json     a snapshot, replaced atomically (write temporary file, fsync, rename);
//   NAME.journal  one JSON line per change since the snapshot, appended with a single write()
//                 before the change is acknowledged.
// Loading reads the snapshot, replays the journal (a torn last line from a crash is ignored) and
// compacts. See docs/adr/0003-sandbox.md. Not thread-safe: the engine serializes access.
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
  Collection(std::string dir, std::string name);
  ~Collection();
  Collection(const Collection&) = delete;
  Collection& operator=(const Collection&) = delete;

  Status Load();
  const Json* Get(const std::string& key) const;
  // Stores `value` under `key`; the change is on disk (in the journal) when this returns ok.
  Status Put(const std::string& key, const Json& value);
  Status Erase(const std::string& key);
  const std::map<std::string, Json>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  // True when the journal holds changes the snapshot does not.
  bool dirty() const { return journal_records_ > 0; }
  // Writes the snapshot and empties the journal.
  Status Compact();
  void Close();

 private:
  Status Append(const Json& record);
  Status OpenJournal();

  std::string name_;
  std::string snapshot_path_;
  std::string journal_path_;
  std::map<std::string, Json> items_;
  int journal_fd_ = -1;
  size_t journal_records_ = 0;
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
