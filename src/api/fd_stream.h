// A Beast SyncReadStream/SyncWriteStream over a connected socket fd, with a
// read timeout (poll) so an idle keep-alive connection cannot hold a thread
// forever, and an optional write timeout so a peer that stopped reading (a
// cut network) turns into an error instead of a blocked send. Internal to api/ (server.cpp and client_transport.cpp).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

namespace stratus::api::detail {

class FdStream {
 public:
  // readTimeoutMs < 0: wait forever.
  explicit FdStream(int fd, int readTimeoutMs = -1, int writeTimeoutMs = -1)
      : fd_(fd), timeoutMs_(readTimeoutMs), writeTimeoutMs_(writeTimeoutMs) {}
  int fd() const { return fd_; }
  void setReadTimeout(int ms) { timeoutMs_ = ms; }
  void setWriteTimeout(int ms) { writeTimeoutMs_ = ms; }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
         ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() > 0) return readInto(b.data(), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    auto n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    iovec iov[32];
    int n = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && n < 32; ++it) {
      boost::asio::const_buffer b = *it;
      if (b.size() == 0) continue;
      iov[n].iov_base = const_cast<void*>(b.data());
      iov[n].iov_len = b.size();
      ++n;
    }
    return writev(iov, n, ec);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    auto n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Writes everything or fails.
  bool writeAll(const char* data, std::size_t size) {
    while (size > 0) {
      boost::system::error_code ec;
      iovec iov{const_cast<char*>(data), size};
      auto n = writev(&iov, 1, ec);
      if (ec) return false;
      data += n;
      size -= n;
    }
    return true;
  }

 private:
  std::size_t readInto(void* data, std::size_t size, boost::system::error_code& ec) {
    for (;;) {
      if (timeoutMs_ >= 0) {
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, timeoutMs_);
        if (r == 0) {
          ec = boost::asio::error::timed_out;
          return 0;
        }
        if (r < 0) {
          if (errno == EINTR) continue;
          ec.assign(errno, boost::system::system_category());
          return 0;
        }
      }
      ssize_t n = ::recv(fd_, data, size, 0);
      if (n > 0) {
        ec = {};
        return static_cast<std::size_t>(n);
      }
      if (n == 0) {
        ec = boost::asio::error::eof;
        return 0;
      }
      if (errno == EINTR) continue;
      ec.assign(errno, boost::system::system_category());
      return 0;
    }
  }

  std::size_t writev(iovec* iov, int n, boost::system::error_code& ec) {
    if (n == 0) {
      ec = {};
      return 0;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n);
    for (;;) {
      int flags = MSG_NOSIGNAL;
      if (writeTimeoutMs_ >= 0) {
        // Wait for room, then send what fits: a blocking send of a big
        // buffer could otherwise wait forever for a peer that is gone.
        pollfd p{fd_, POLLOUT, 0};
        int r = ::poll(&p, 1, writeTimeoutMs_);
        if (r == 0) {
          ec = boost::asio::error::timed_out;
          return 0;
        }
        if (r < 0) {
          if (errno == EINTR) continue;
          ec.assign(errno, boost::system::system_category());
          return 0;
        }
        flags |= MSG_DONTWAIT;
      }
      ssize_t w = ::sendmsg(fd_, &msg, flags);
      if (w >= 0) {
        ec = {};
        return static_cast<std::size_t>(w);
      }
      if (errno == EINTR || (writeTimeoutMs_ >= 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) continue;
      ec.assign(errno, boost::system::system_category());
      return 0;
    }
  }

  int fd_;
  int timeoutMs_;
  int writeTimeoutMs_;
};

}  // namespace stratus::api::detail
