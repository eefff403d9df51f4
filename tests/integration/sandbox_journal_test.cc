// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The sandbox's persistence (sandbox/src/store.h): every acknowledged change survives a reload,
// at the compaction boundary (the 4096th journal record) and when the process is killed with
// SIGKILL at random points, compaction included.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/sandbox_fixture.h"
#include "store.h"

namespace wechatpay::sandbox::testing {
namespace {

constexpr size_t kMax = Collection::kMaxJournalRecords;

Json Value(size_t i) { return Json{{"i", i}, {"pad", std::string(40, 'x')}}; }

std::string Key(size_t i) { return "k" + std::to_string(i); }

// Loads NAME from `dir` into a fresh collection (as a restart does).
std::map<std::string, Json> Reload(const std::string& dir, const std::string& name = "c") {
  Collection c(dir, name);
  Status s = c.Load();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return c.items();
}

void ExpectPutsReload(size_t n) {
  for (bool clean : {false, true}) {
    SCOPED_TRACE(std::to_string(n) + (clean ? " puts, closed cleanly" : " puts, no close"));
    TempDir dir;
    {
      Collection c(dir.path(), "c");
      ASSERT_TRUE(c.Load().ok());
      for (size_t i = 0; i < n; ++i) ASSERT_TRUE(c.Put(Key(i), Value(i)).ok());
      EXPECT_EQ(c.size(), n);
      if (clean) {
        ASSERT_TRUE(c.Compact().ok());
      }
      // Without Compact() the destructor only closes the journal, as a crash would leave it.
    }
    auto items = Reload(dir.path());
    ASSERT_EQ(items.size(), n);
    for (size_t i = 0; i < n; ++i) {
      auto it = items.find(Key(i));
      ASSERT_NE(it, items.end()) << Key(i) << " lost";
      EXPECT_EQ(it->second, Value(i));
    }
  }
}

TEST(SandboxJournalTest, PutsAtTheCompactionBoundaryReloadCompletely) {
  ExpectPutsReload(kMax - 1);
  ExpectPutsReload(kMax);
  ExpectPutsReload(kMax + 1);
  ExpectPutsReload(2 * kMax);
}

TEST(SandboxJournalTest, ErasesAtTheCompactionBoundaryReloadCompletely) {
  // The erase is the (kMax-1)th, kMax-th and (kMax+1)th journal record.
  for (size_t erase_at : {kMax - 1, kMax, kMax + 1}) {
    SCOPED_TRACE("erase as record " + std::to_string(erase_at));
    TempDir dir;
    std::map<std::string, Json> model;
    {
      Collection c(dir.path(), "c");
      ASSERT_TRUE(c.Load().ok());
      for (size_t i = 0; i + 1 < erase_at; ++i) {
        ASSERT_TRUE(c.Put(Key(i), Value(i)).ok());
        model[Key(i)] = Value(i);
      }
      ASSERT_TRUE(c.Erase(Key(7)).ok());  // record number erase_at
      model.erase(Key(7));
      EXPECT_EQ(c.Get(Key(7)), nullptr);
      // Two more records: an erase and a put on the far side of the boundary.
      ASSERT_TRUE(c.Erase(Key(8)).ok());
      model.erase(Key(8));
      ASSERT_TRUE(c.Put("after", Value(0)).ok());
      model["after"] = Value(0);
    }
    EXPECT_EQ(Reload(dir.path()), model);
  }
}

TEST(SandboxJournalTest, EveryCrashPointOfACompactionLosesNothing) {
  TempDir dir;
  std::map<std::string, Json> model;
  {
    Collection c(dir.path(), "c");
    ASSERT_TRUE(c.Load().ok());
    for (size_t i = 0; i < 10; ++i) {
      ASSERT_TRUE(c.Put(Key(i), Value(i)).ok());
      model[Key(i)] = Value(i);
    }
    ASSERT_TRUE(c.Compact().ok());
    ASSERT_TRUE(c.Put(Key(3), Value(33)).ok());
    model[Key(3)] = Value(33);
    ASSERT_TRUE(c.Erase(Key(4)).ok());
    model.erase(Key(4));
  }
  const std::string snapshot = dir.path() + "/c.json";
  const std::string journal = dir.path() + "/c.journal";
  const std::string old_snapshot = ReadText(snapshot);
  const std::string old_journal = ReadText(journal);
  auto write = [](const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  };

  // 1. Killed while writing the temporary snapshot (never renamed): old snapshot + journal. The
  //    temporary file of the dead process (a PID above any pid_max) is removed.
  const std::string tmp = snapshot + ".tmp.99999999.abcd";
  write(tmp, "{\"partial");
  EXPECT_EQ(Reload(dir.path()), model);
  EXPECT_FALSE(std::filesystem::exists(tmp));

  // 2. Killed after the rename, before the journal was emptied: new snapshot + old journal.
  Json full = Json::object();
  for (const auto& [k, v] : model) full[k] = v;
  write(snapshot, DumpJson(full, 1));
  write(journal, old_journal);
  EXPECT_EQ(Reload(dir.path()), model);

  // 3. Killed in the middle of an append: old snapshot + journal + a torn line.
  write(snapshot, old_snapshot);
  write(journal, old_journal + "{\"k\":\"k5\",\"v\":{\"i\":");
  EXPECT_EQ(Reload(dir.path()), model);
  // After that reload the journal is folded in and empty; appends start on a fresh line.
  EXPECT_EQ(ReadText(journal), "");
}

// ---- kill -9 at random points ------------------------------------------------------------------

// Operation i of the run: every 10th erases the key put five operations earlier, the others put
// Value(i) under key i % 7000 (so that later puts overwrite earlier ones).
struct Op {
  std::string key;
  std::optional<Json> value;  // nullopt: erase
};
Op OpAt(size_t i) {
  if (i % 10 == 9) return {Key((i - 5) % 7000), std::nullopt};
  return {Key(i % 7000), Value(i)};
}

// An acknowledgement on the pipe: the operation's number, padded so that a small pipe holds few
// of them (the child cannot run far ahead of the parent's kill decision).
struct Ack {
  uint32_t n;
  char pad[60];
};

// The child: loads the collection (a restart), then performs operations from `next` on and
// reports each acknowledged one (Put/Erase returned ok) by writing an Ack to `fd`. Runs
// until killed or `total` is reached. Only called in a forked child of a single-threaded test.
[[noreturn]] void Writer(const std::string& dir, size_t next, size_t total, int fd) {
  Collection c(dir, "c");
  if (!c.Load().ok()) _exit(2);
  for (size_t i = next; i < total; ++i) {
    Op op = OpAt(i);
    Status s = op.value ? c.Put(op.key, *op.value) : c.Erase(op.key);
    if (!s) _exit(3);
    Ack ack{static_cast<uint32_t>(i), {}};
    if (::write(fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) _exit(4);
  }
  _exit(0);
}

TEST(SandboxJournalTest, KillNineAtRandomPointsLosesNothingAcknowledged) {
  constexpr size_t kTotal = 10000;
  TempDir dir;
  TempDir check;
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, Json> model;  // the state after every acknowledged operation
  size_t next = 0;                    // the first operation not acknowledged
  int kills = 0, kills_past_compaction = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int run = 0; next < kTotal; ++run) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "stuck at operation " << next;
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const size_t start = next;
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      Writer(dir.path(), start, kTotal, fds[1]);
    }
    ::close(fds[1]);
    // A small pipe keeps the child at most ~64 operations ahead of what has been read here.
    (void)::fcntl(fds[0], F_SETPIPE_SZ, 4096);
    // Where to kill: right away (during the load and its compaction), after a few hundred
    // operations, or, in two runs, at the journal's compaction (the run's kMax-th operation,
    // which waits for two fsyncs): just before its acknowledgement is read, and some time after.
    // The child runs ahead of what has been read here, so the moment is random in any case.
    size_t kill_after = 0;
    if (run == 1) {
      kill_after = kMax + std::uniform_int_distribution<size_t>(1, 32)(rng);
    } else if (run == 4) {
      kill_after = kMax - 1;
    } else if (std::uniform_int_distribution<int>(0, 9)(rng) != 0) {
      kill_after = std::uniform_int_distribution<size_t>(1, 400)(rng);
    }
    if (kill_after == 0) {
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    }
    size_t seen = 0;
    std::vector<uint32_t> acked;
    auto read_acks = [&](bool block) {
      Ack buf[64];
      while (true) {
        ssize_t got = ::read(fds[0], buf, sizeof buf);
        if (got <= 0) return false;  // EOF: the child is gone
        // Writes of one Ack are atomic (below PIPE_BUF), so reads return whole ones.
        for (size_t j = 0; j < static_cast<size_t>(got) / sizeof(Ack); ++j) {
          acked.push_back(buf[j].n);
        }
        seen += static_cast<size_t>(got) / sizeof(Ack);
        if (!block || seen >= kill_after) return true;
      }
    };
    if (kill_after > 0) read_acks(true);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // Every number in the pipe was acknowledged before the kill.
    while (read_acks(false)) {
    }
    ::close(fds[0]);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the writer failed (2 load, 3 write, 4 pipe)";
    } else {
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
      ++kills;
      if (acked.size() >= kMax) ++kills_past_compaction;
    }
    for (uint32_t n : acked) {
      ASSERT_EQ(n, next) << "acknowledgements out of order";
      Op op = OpAt(n);
      if (op.value) {
        model[op.key] = *op.value;
      } else {
        model.erase(op.key);
      }
      ++next;
    }
    // Reload a copy (the next child reloads the original): every acknowledged operation is
    // there. The one in flight at the kill may or may not be.
    std::filesystem::remove_all(check.path());
    std::filesystem::create_directories(check.path());
    for (const char* f : {"c.json", "c.journal"}) {
      std::error_code ec;
      std::filesystem::copy_file(dir.path() + "/" + f, check.path() + "/" + f, ec);
    }
    auto items = Reload(check.path());
    std::optional<Op> in_flight;
    if (next < kTotal) in_flight = OpAt(next);
    auto differs = [&](const std::string& key) {
      auto m = model.find(key);
      auto l = items.find(key);
      bool same =
          (m == model.end()) == (l == items.end()) && (m == model.end() || m->second == l->second);
      if (same) return false;
      if (!in_flight || in_flight->key != key) return true;
      // The in-flight operation was written but not acknowledged.
      return in_flight->value ? (l == items.end() || l->second != *in_flight->value)
                              : l != items.end();
    };
    for (const auto& [k, v] : model) {
      ASSERT_FALSE(differs(k)) << "run " << run << ": " << k << " after " << next
                               << " acknowledged operations";
    }
    for (const auto& [k, v] : items) {
      ASSERT_FALSE(differs(k)) << "run " << run << ": " << k << " was never written";
    }
  }
  EXPECT_GE(kills, 5);
  EXPECT_GE(kills_past_compaction, 1);
  RecordProperty("kills", kills);
  RecordProperty("kills_past_compaction", kills_past_compaction);
  auto items = Reload(dir.path());
  EXPECT_EQ(items, model);
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
