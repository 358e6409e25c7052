// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

// ChmodHelper is the user side of TestRootWritableStackOutlivesChmod, for
// TestMain (package msocket_test).
var ChmodHelper = chmodHelper
