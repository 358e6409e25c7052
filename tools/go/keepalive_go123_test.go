// SPDX-License-Identifier: LGPL-2.1-or-later

//go:build go1.23

package msocket

import "net"

// With Go 1.23 or later, net.KeepAliveConfig and KeepAliveConfig convert
// into each other (this file does not build otherwise).
var (
	_ = KeepAliveConfig(net.KeepAliveConfig{})
	_ = net.KeepAliveConfig(KeepAliveConfig{})
)
