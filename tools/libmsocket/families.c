// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Address family names, as MSOCKET_DEFAULTS and vustack spell them: the
 * lower-case AF_ names without the prefix ("unix" for AF_UNIX/AF_LOCAL).
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

static const char *const family_names[MSOCKET_FAMILIES] = {
	[1] = "unix",	[2] = "inet",	[3] = "ax25",	[4] = "ipx",
	[5] = "appletalk", [6] = "netrom", [7] = "bridge", [8] = "atmpvc",
	[9] = "x25",	[10] = "inet6",	[11] = "rose",	[12] = "decnet",
	[13] = "netbeui", [14] = "security", [15] = "key", [16] = "netlink",
	[17] = "packet", [18] = "ash",	[19] = "econet", [20] = "atmsvc",
	[21] = "rds",	[22] = "sna",	[23] = "irda",	[24] = "pppox",
	[25] = "wanpipe", [26] = "llc",	[27] = "ib",	[28] = "mpls",
	[29] = "can",	[30] = "tipc",	[31] = "bluetooth", [32] = "iucv",
	[33] = "rxrpc",	[34] = "isdn",	[35] = "phonet", [36] = "ieee802154",
	[37] = "caif",	[38] = "alg",	[39] = "nfc",	[40] = "vsock",
	[41] = "kcm",	[42] = "qipcrtr", [43] = "smc",	[44] = "xdp",
	[45] = "mctp",
};

const char *msocket_family_name(int family)
{
	if (family < 0 || family >= MSOCKET_FAMILIES)
		return NULL;
	return family_names[family];
}

static int name_is(const char *name, size_t len, const char *known)
{
	return strlen(known) == len && strncasecmp(name, known, len) == 0;
}

int msocket_family_parse(const char *name, size_t len)
{
	int family, n = 0;
	size_t i;

	if (len > 3 && (strncasecmp(name, "af_", 3) == 0 ||
			strncasecmp(name, "pf_", 3) == 0)) {
		name += 3;
		len -= 3;
	}
	if (len == 0)
		return -1;
	if (isdigit((unsigned char)name[0])) {
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)name[i]))
				return -1;
			n = n * 10 + (name[i] - '0');
			if (n >= MSOCKET_FAMILIES)
				return -1;
		}
		return n;
	}
	if (name_is(name, len, "local"))
		return 1;
	for (family = 1; family < MSOCKET_FAMILIES; family++)
		if (family_names[family] && name_is(name, len, family_names[family]))
			return family;
	return -1;
}
