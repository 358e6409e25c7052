// SPDX-License-Identifier: LGPL-2.1-or-later

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestStackName(t *testing.T) {
	for _, c := range []struct{ id, args, want string }{
		{"c0ffee", "", "c0ffee"},
		{"c0ffee", "IgnoreUnknown=1;K8S_POD_NAMESPACE=web;K8S_POD_NAME=front-1", "web_front-1"},
		{"c0ffee", "K8S_POD_NAME=front-1", "c0ffee"},
		{"c0ffee", "K8S_POD_NAMESPACE=web;K8S_POD_NAME=x;MSOCKET_STACK=blue", "blue"},
	} {
		got, err := stackName(c.id, c.args)
		if err != nil || got != c.want {
			t.Errorf("stackName(%q, %q) = %q, %v; want %q", c.id, c.args, got, err, c.want)
		}
	}
	for _, args := range []string{"MSOCKET_STACK=../x", "MSOCKET_STACK=..", "MSOCKET_STACK=a/b"} {
		if _, err := stackName("c0ffee", args); err == nil {
			t.Errorf("stackName(%q) accepted", args)
		}
	}
}

// The spec's errors: a JSON object with a code, before anything is done.
func TestErrors(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		conf string
		code int
		msg  string
	}{
		{map[string]string{"CNI_COMMAND": "ADD"}, `{`, errDecode, "cannot decode"},
		{map[string]string{"CNI_COMMAND": "ADD"}, `{"cniVersion":"2.0.0"}`, errIncompatibleVersion, "not supported"},
		{map[string]string{"CNI_COMMAND": "ADD"}, `{"cniVersion":"1.0.0","mode":"9"}`, errInvalidConfig, "octal"},
		{map[string]string{"CNI_COMMAND": "ADD"}, `{"cniVersion":"1.0.0"}`, errInvalidEnv, "CNI_CONTAINERID"},
		{map[string]string{"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "x"}, `{"cniVersion":"1.0.0"}`, errInvalidEnv, "CNI_NETNS"},
		{map[string]string{"CNI_COMMAND": "GC", "CNI_CONTAINERID": "x"}, `{"cniVersion":"1.0.0"}`, errInvalidEnv, "not ADD, DEL"},
		{map[string]string{"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "x"}, `{"cniVersion":"1.0.0","group":"no-such-group-here"}`, errInvalidConfig, "group"},
	} {
		for _, k := range []string{"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_ARGS"} {
			t.Setenv(k, c.env[k])
		}
		e := run(strings.NewReader(c.conf), &bytes.Buffer{})
		if e == nil || e.Code != c.code || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%v %s: got %+v, want code %d and %q", c.env, c.conf, e, c.code, c.msg)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Setenv("CNI_COMMAND", "VERSION")
	var out bytes.Buffer
	if e := run(strings.NewReader(`{"cniVersion":"0.4.0"}`), &out); e != nil {
		t.Fatal(e)
	}
	var v struct {
		CNIVersion        string   `json:"cniVersion"`
		SupportedVersions []string `json:"supportedVersions"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.CNIVersion != "0.4.0" || len(v.SupportedVersions) != 4 {
		t.Errorf("VERSION printed %s (%v)", out.String(), err)
	}
}
