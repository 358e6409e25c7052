//! Sockets of a stack for tokio's reactor (feature `tokio`).
//!
//! tokio makes its sockets with socket(2) in the caller's namespace, and
//! its `from_std` wants non-blocking sockets; these methods make them in
//! the stack, non-blocking, and hand them to tokio. They must be called
//! inside a runtime with IO enabled, as tokio's own constructors.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;

use crate::stack::{bind, each_addr};
use crate::Stack;

impl Stack {
    /// A tokio TCP listener of this stack bound to `addr` (`SO_REUSEADDR`,
    /// backlog 1024), as [`tokio::net::TcpListener::bind`] in the native
    /// stack; host names are resolved in the native stack, without
    /// blocking only if `addr` is already an address.
    ///
    /// ```no_run
    /// # async fn f() -> std::io::Result<()> {
    /// let red = msocket::Stack::open("/dev/net/red")?;
    /// let listener = red.tokio_tcp_listener("10.0.0.1:80")?;
    /// let (conn, peer) = listener.accept().await?;
    /// # Ok(()) }
    /// ```
    pub fn tokio_tcp_listener(
        &self,
        addr: impl ToSocketAddrs,
    ) -> io::Result<tokio::net::TcpListener> {
        each_addr(addr, |a| {
            let socket = self.tokio_tcp_socket(a)?;
            socket.set_reuseaddr(true)?;
            socket.bind(*a)?;
            socket.listen(1024)
        })
    }

    /// A tokio TCP connection from this stack to `addr`, each address tried
    /// in turn, as [`tokio::net::TcpStream::connect`]; the connect waits
    /// in the reactor. Wrap it in `tokio::time::timeout` for a time limit.
    ///
    /// ```no_run
    /// # async fn f() -> std::io::Result<()> {
    /// use tokio::io::AsyncWriteExt;
    /// let blue = msocket::Stack::open("/dev/net/blue")?;
    /// let mut conn = blue.tokio_tcp_connect("10.0.0.1:80").await?;
    /// conn.write_all(b"hello").await?;
    /// # Ok(()) }
    /// ```
    pub async fn tokio_tcp_connect(
        &self,
        addr: impl ToSocketAddrs,
    ) -> io::Result<tokio::net::TcpStream> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match self.tokio_tcp_socket(&a) {
                Ok(socket) => match socket.connect(a).await {
                    Ok(stream) => return Ok(stream),
                    Err(e) => last = Some(e),
                },
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any addresses",
            )
        }))
    }

    /// A tokio UDP socket of this stack bound to `addr`, as
    /// [`tokio::net::UdpSocket::bind`].
    pub fn tokio_udp_bind(&self, addr: impl ToSocketAddrs) -> io::Result<tokio::net::UdpSocket> {
        each_addr(addr, |a| {
            let fd = self.nonblocking_for(a, libc::SOCK_DGRAM)?;
            bind(&fd, a)?;
            tokio::net::UdpSocket::from_std(std::net::UdpSocket::from(fd))
        })
    }

    /// A non-blocking TCP socket of the stack for `addr`'s family, as a
    /// tokio `TcpSocket` (which takes it from a std stream).
    fn tokio_tcp_socket(&self, addr: &SocketAddr) -> io::Result<tokio::net::TcpSocket> {
        let fd = self.nonblocking_for(addr, libc::SOCK_STREAM)?;
        Ok(tokio::net::TcpSocket::from_std_stream(
            std::net::TcpStream::from(fd),
        ))
    }

    fn nonblocking_for(&self, addr: &SocketAddr, ty: i32) -> io::Result<OwnedFd> {
        let domain = if addr.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        self.socket(domain, ty | libc::SOCK_NONBLOCK, 0)
    }
}
