//go:build linux

package rawudp

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"
)

type raw struct {
	rc    syscall.RawConn
	inet6 bool // the socket is AF_INET6: IPv4 peers are written to as IPv4-mapped
}

func newRaw(pc net.PacketConn) *raw {
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		return nil
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &raw{rc: rc}
	var family int
	if err := rc.Control(func(fd uintptr) {
		if sa, err := syscall.Getsockname(int(fd)); err == nil {
			switch sa.(type) {
			case *syscall.SockaddrInet4:
				family = syscall.AF_INET
			case *syscall.SockaddrInet6:
				family = syscall.AF_INET6
			}
		}
	}); err != nil || family == 0 {
		return nil
	}
	r.inet6 = family == syscall.AF_INET6
	return r
}

// readState is one read's arguments and results, kept in the Conn so the
// function handed to RawConn.Read is made once.
type readState struct {
	fn    func(fd uintptr) bool
	buf   []byte
	n     int
	sa    syscall.RawSockaddrAny
	errno syscall.Errno
}

type writeState struct {
	fn    func(fd uintptr) bool
	buf   []byte
	sa4   syscall.RawSockaddrInet4
	sa6   syscall.RawSockaddrInet6
	v6    bool
	n     int
	errno syscall.Errno
}

func (c *Conn) initState() {
	c.rd.fn = c.rd.read
	c.wr.fn = c.wr.write
}

func (s *readState) read(fd uintptr) bool {
	for {
		salen := uint32(syscall.SizeofSockaddrAny)
		var p unsafe.Pointer
		if len(s.buf) > 0 {
			p = unsafe.Pointer(&s.buf[0])
		}
		r, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(p), uintptr(len(s.buf)), 0,
			uintptr(unsafe.Pointer(&s.sa)), uintptr(unsafe.Pointer(&salen)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // nothing yet: wait in the poller
		}
		s.n, s.errno = int(r), e
		return true
	}
}

func (c *Conn) readRaw(b []byte) (int, netip.AddrPort, error) {
	s := &c.rd
	s.buf, s.n, s.errno = b, 0, 0
	err := c.raw.rc.Read(s.fn)
	s.buf = nil
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if s.errno != 0 {
		return 0, netip.AddrPort{}, os.NewSyscallError("recvfrom", s.errno)
	}
	return s.n, addrPort(&s.sa), nil
}

func addrPort(sa *syscall.RawSockaddrAny) netip.AddrPort {
	switch sa.Addr.Family {
	case syscall.AF_INET:
		p := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), ntohs(p.Port))
	case syscall.AF_INET6:
		p := (*syscall.RawSockaddrInet6)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr), ntohs(p.Port))
	}
	return netip.AddrPort{}
}

// ntohs reads a port stored in network byte order.
func ntohs(v uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&v))
	return uint16(b[0])<<8 | uint16(b[1])
}

// htons stores a port in network byte order.
func htons(v uint16) uint16 {
	var out uint16
	b := (*[2]byte)(unsafe.Pointer(&out))
	b[0], b[1] = byte(v>>8), byte(v)
	return out
}

var errFamily = errors.New("rawudp: IPv6 destination on an IPv4 socket")

func (s *writeState) write(fd uintptr) bool {
	var p unsafe.Pointer
	if len(s.buf) > 0 {
		p = unsafe.Pointer(&s.buf[0])
	}
	sa, salen := unsafe.Pointer(&s.sa4), unsafe.Sizeof(s.sa4)
	if s.v6 {
		sa, salen = unsafe.Pointer(&s.sa6), unsafe.Sizeof(s.sa6)
	}
	for {
		r, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(p), uintptr(len(s.buf)), 0, uintptr(sa), salen)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // socket buffer full: wait in the poller
		}
		s.n, s.errno = int(r), e
		return true
	}
}

func (c *Conn) writeRaw(b []byte, to netip.AddrPort) (int, error) {
	s := &c.wr
	a := to.Addr()
	switch {
	case c.raw.inet6:
		s.v6 = true
		s.sa6 = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Port: htons(to.Port()), Addr: a.As16()}
	case a.Is4() || a.Is4In6():
		s.v6 = false
		s.sa4 = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Port: htons(to.Port()), Addr: a.Unmap().As4()}
	default:
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(to), Err: errFamily}
	}
	s.buf, s.n, s.errno = b, 0, 0
	err := c.raw.rc.Write(s.fn)
	s.buf = nil
	if err != nil {
		return 0, err
	}
	if s.errno != 0 {
		return 0, os.NewSyscallError("sendto", s.errno)
	}
	return s.n, nil
}
