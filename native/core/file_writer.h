// A second thread that writes, sets up and closes the files the native extractor opened, so
// that creating the next files (lookups, mkdir, open) overlaps writing the last ones: on a
// fast file system extraction is bound by system calls, and one thread makes them all in
// turn. Jobs run in the order given; the data they point to must stay put until drain().
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace pf::tar {

struct FileAttrs {
  bool chown = false;  // set the owner (it differs from the writer's own)
  int64_t uid = 0;
  int64_t gid = 0;
  bool chmod = false;  // set the mode (the file was not created with it)
  uint32_t mode = 0;
  int64_t atime = 0;
  int64_t mtime = 0;
};

struct WriteJob {
  int fd = -1;
  const uint8_t* data = nullptr;  // data to write at the file's current end, or null
  size_t len = 0;
  bool close = false;  // the last job of the file: attributes, then close
  FileAttrs attrs;
  std::string name;  // for messages
};

class FileWriter {
 public:
  FileWriter();
  ~FileWriter();  // drains, then stops the thread
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void submit(WriteJob job);
  // Waits until every job given so far is done. Returns 0, or the errno of the first job
  // that failed since the last drain (with `call` and `name` set).
  int drain(std::string& call, std::string& name);

 private:
  void run();
  void finish(WriteJob& job);

  std::mutex mu_;
  std::condition_variable work_;  // jobs to do, or stop
  std::condition_variable idle_;  // the queue ran dry
  std::deque<WriteJob> queue_;
  bool busy_ = false;
  bool stop_ = false;
  int err_ = 0;
  std::string err_call_;
  std::string err_name_;
  int failed_fd_ = -1;  // a file whose write failed: its later data is dropped, its fd still closed
  std::thread thread_;
};

}  // namespace pf::tar
