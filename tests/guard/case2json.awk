# SPDX-License-Identifier: MIT
#
# case2json.awk - turn one tests/guard/cases/*.case file into hook JSON.
#
# Run with -v box=DIR (the case's sandbox, which is also its cwd).  Writes
# every "--- file:PATH" section into the sandbox and prints the PreToolUse
# JSON on standard output.  A "--- raw" section is printed as it is (for
# malformed input).  See README.md beside this file for the format.

function esc(s,    out, i, c, n) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\") out = out "\\\\"
		else if (c == "\"") out = out "\\\""
		else if (c == "\n") out = out "\\n"
		else if (c == "\t") out = out "\\t"
		else if (c == "\r") out = out "\\r"
		else out = out c
	}
	return out
}

function q(s) { return "\"" esc(s) "\"" }

function finish(    name, path, dir) {
	if (section == "")
		return
	name = section
	if (name ~ /^file:/) {
		path = box "/" substr(name, 6)
		dir = path
		sub(/\/[^\/]*$/, "", dir)
		system("mkdir -p '" dir "'")
		printf "%s", body > path
		close(path)
	} else if (name == "old_string" || name == "new_string") {
		nedits += (name == "old_string")
		edit[nedits, name] = body
		sec[name] = body
	} else {
		sec[name] = body
	}
	section = ""
	body = ""
}

BEGIN { section = ""; body = ""; nedits = 0; inhead = 1 }

inhead && /^---/ { inhead = 0 }
inhead && /^#/ { next }
inhead && /^[a-z_]+:/ {
	k = $0; sub(/:.*/, "", k)
	v = $0; sub(/^[a-z_]+: ?/, "", v)
	head[k] = v
	next
}
inhead { next }

/^--- / {
	finish()
	section = substr($0, 5)
	first = 1
	next
}
{
	if (first) { body = $0; first = 0 } else { body = body "\n" $0 }
}

END {
	finish()
	if ("raw" in sec) { printf "%s", sec["raw"]; exit }
	tool = ("tool" in head) ? head["tool"] : "Bash"
	if ("json" in head) {
		j = head["json"]
		gsub(/@BOX@/, box, j)
		printf "%s\n", j
		exit
	}
	if (tool == "Bash" || tool == "PowerShell") {
		ti = "{\"command\":" q(sec["command"]) ",\"description\":\"test\"}"
	} else if (tool == "Write") {
		ti = "{\"file_path\":" q(box "/" head["file"]) ",\"content\":" q(sec["content"] "\n") "}"
	} else if (tool == "Edit") {
		ti = "{\"file_path\":" q(box "/" head["file"]) ",\"old_string\":" q(sec["old_string"]) \
		     ",\"new_string\":" q(sec["new_string"]) \
		     ",\"replace_all\":" (head["replace_all"] == "true" ? "true" : "false") "}"
	} else if (tool == "MultiEdit") {
		ti = "{\"file_path\":" q(box "/" head["file"]) ",\"edits\":["
		for (i = 1; i <= nedits; i++)
			ti = ti (i > 1 ? "," : "") "{\"old_string\":" q(edit[i, "old_string"]) \
			     ",\"new_string\":" q(edit[i, "new_string"]) "}"
		ti = ti "]}"
	} else if (tool == "NotebookEdit") {
		ti = "{\"notebook_path\":" q(box "/" head["file"]) ",\"new_source\":" q(sec["new_source"]) \
		     ",\"cell_type\":" q(("cell_type" in head) ? head["cell_type"] : "code") "}"
	} else {
		ti = "{\"x\":1}"
	}
	cwd = box
	if ("cwd" in head) cwd = box "/" head["cwd"]
	printf "{\"session_id\":\"test-%s\",\"transcript_path\":\"/dev/null\",\"cwd\":%s," \
	       "\"permission_mode\":\"default\",\"hook_event_name\":\"PreToolUse\"," \
	       "\"tool_name\":%s,\"tool_input\":%s,\"tool_use_id\":\"toolu_test\"}\n", \
	       ("session" in head) ? head["session"] : "1", q(cwd), q(tool), ti
}
