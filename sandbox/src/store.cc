// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace wechatpay::sandbox {

namespace {
// Makes a rename in `dir` durable before anything that depends on it (the journal truncation).
Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Error(ErrorCode::kInternal, "cannot open " + dir + ": " + std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return Error(ErrorCode::kInternal, "cannot sync " + dir + ": " + std::strerror(err));
  }
  return {};
}
}  // namespace

Collection::Collection(std::string dir, std::string name)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      snapshot_path_(JoinPath(dir_, name_ + ".json")),
      journal_path_(JoinPath(dir_, name_ + ".journal")) {}

Collection::~Collection() { Close(); }

void Collection::RemoveStaleTemporaries() const {
  // WriteFileAtomic names its temporary NAME.json.tmp.PID.RANDOM; one whose process is gone was
  // never renamed into place, so it holds nothing the snapshot and journal do not.
  const std::string prefix = name_ + ".json.tmp.";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string file = entry.path().filename().string();
    if (file.compare(0, prefix.size(), prefix) != 0) continue;
    long pid = std::strtol(file.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

Status Collection::Load() {
  items_.clear();
  journal_records_ = 0;
  compact_at_ = kMaxJournalRecords;
  RemoveStaleTemporaries();
  if (FileExists(snapshot_path_)) {
    auto text = ReadFile(snapshot_path_);
    if (!text) return text.error();
    auto j = ParseJson(*text, 256);
    if (!j || !j->is_object()) {
      return Error(ErrorCode::kParse, snapshot_path_ + " is not a JSON object");
    }
    for (auto& [k, v] : j->items()) items_[k] = v;
  }
  bool replayed = false;
  if (FileExists(journal_path_)) {
    auto text = ReadFile(journal_path_);
    if (!text) return text.error();
    // Any content, even a torn line, must be folded in so that appends start on a fresh line.
    replayed = !text->empty();
    std::string_view rest = *text;
    size_t line_no = 0;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++line_no;
      if (line.empty()) continue;
      auto rec = ParseJson(line, 256);
      if (!rec || !rec->is_object() || !rec->contains("k") || !(*rec)["k"].is_string()) {
        // A torn write (crash while appending) can only be the last line; it was never
        // acknowledged. Anything else is reported but does not stop the sandbox.
        if (!rest.empty()) {
          std::fprintf(stderr, "wxpay sandbox: %s line %zu is malformed, skipped\n",
                       journal_path_.c_str(), line_no);
        }
        continue;
      }
      std::string key = (*rec)["k"].get<std::string>();
      if (rec->contains("v")) {
        items_[key] = (*rec)["v"];
      } else {
        items_.erase(key);
      }
    }
  }
  // Fold the journal into the snapshot; nothing to do when there was none (each compaction costs
  // an fsync).
  if (replayed || !FileExists(snapshot_path_)) return Compact();
  return {};
}

const Json* Collection::Get(const std::string& key) const {
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : &it->second;
}

Status Collection::OpenJournal() {
  if (journal_fd_ >= 0) return {};
  journal_fd_ = ::open(journal_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal_fd_ < 0) {
    return Error(ErrorCode::kInternal,
                 "cannot open " + journal_path_ + ": " + std::strerror(errno));
  }
  return {};
}

Status Collection::Append(const Json& record) {
  if (Status s = OpenJournal(); !s) return s;
  // After a failed append that could not be cut off, start on a fresh line (Load skips the
  // malformed partial line and the empty one).
  std::string line = journal_needs_newline_ ? "\n" : "";
  line += DumpJson(record);
  line.push_back('\n');
  // O_APPEND writes at the end; remember where that was to cut a partial line off again.
  struct stat st {};
  if (::fstat(journal_fd_, &st) != 0) {
    return Error(ErrorCode::kInternal,
                 "cannot append to " + journal_path_ + ": " + std::strerror(errno));
  }
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(journal_fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (off > 0 && ::ftruncate(journal_fd_, st.st_size) != 0) journal_needs_newline_ = true;
      return Error(ErrorCode::kInternal,
                   "cannot append to " + journal_path_ + ": " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  journal_needs_newline_ = false;
  ++journal_records_;
  return {};
}

void Collection::AfterChange() {
  if (journal_records_ < compact_at_) return;
  if (Status s = Compact(); !s) {
    // Nothing is lost: the journal still holds every change. Try again later rather than on
    // every change (a compaction rewrites the whole collection).
    std::fprintf(stderr, "wxpay sandbox: cannot compact %s (the journal keeps the changes): %s\n",
                 journal_path_.c_str(), s.error().message.c_str());
    compact_at_ = journal_records_ + kMaxJournalRecords;
  }
}

Status Collection::Put(const std::string& key, const Json& value) {
  Json rec = Json::object();
  rec["k"] = key;
  rec["v"] = value;
  if (Status s = Append(rec); !s) return s;
  // Memory first, then a compaction: its snapshot must hold the change just journaled.
  items_[key] = value;
  AfterChange();
  return {};
}

Status Collection::Erase(const std::string& key) {
  if (!items_.count(key)) return {};
  Json rec = Json::object();
  rec["k"] = key;
  if (Status s = Append(rec); !s) return s;
  items_.erase(key);
  AfterChange();
  return {};
}

Status Collection::Compact() {
  Json snap = Json::object();
  for (const auto& [k, v] : items_) snap[k] = v;
  // Temporary file, fsync, rename (WriteFileAtomic), then the directory entry made durable: only
  // then may the journal be emptied.
  if (Status s = WriteFileAtomic(snapshot_path_, DumpJson(snap, 1)); !s) return s;
  if (Status s = SyncDirectory(dir_); !s) return s;
  if (journal_fd_ >= 0) {
    ::close(journal_fd_);
    journal_fd_ = -1;
  }
  // The snapshot holds everything: a crash between the rename and this truncation only replays
  // records that are already in the snapshot, which is harmless (records are whole values, and
  // replaying them in order ends in the snapshot's state).
  int fd = ::open(journal_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(ErrorCode::kInternal,
                 "cannot empty " + journal_path_ + ": " + std::strerror(errno));
  }
  ::close(fd);
  journal_records_ = 0;
  journal_needs_newline_ = false;
  compact_at_ = kMaxJournalRecords;
  return {};
}

void Collection::Close() {
  if (journal_fd_ >= 0) {
    ::close(journal_fd_);
    journal_fd_ = -1;
  }
}

Result<Collection*> Store::Open(const std::string& name) {
  auto it = collections_.find(name);
  if (it != collections_.end()) return it->second.get();
  auto c = std::make_unique<Collection>(dir_, name);
  if (Status s = c->Load(); !s) return std::move(s).error();
  Collection* raw = c.get();
  collections_[name] = std::move(c);
  return raw;
}

void Store::Close() {
  for (auto& [name, c] : collections_) {
    if (c->dirty()) (void)c->Compact();
    c->Close();
  }
}

}  // namespace wechatpay::sandbox
