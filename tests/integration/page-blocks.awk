# SPDX-License-Identifier: MIT
# Split a rule page into runnable scripts: for each "### <Dialect>" section
# under "## Solution", every "Use:" block becomes OUT/<n>.<dialect>.sql,
# prefixed with that section's "Given:" block.  Usage:
#   awk -v out=DIR -f page-blocks.awk page.md
/^## / { solution = ($0 == "## Solution"); next }
solution && /^### / {
    dialect = ""
    if ($2 == "PostgreSQL") dialect = "postgres"
    else if ($2 == "SQLite") dialect = "sqlite"
    else if ($2 == "MySQL" || $2 == "MariaDB") dialect = "mysql"
    given = ""; next
}
solution && /^(Given|Instead of|Use)( \(.*\))?:[ \r]*$/ {
    label = /^Given/ ? "Given" : /^Use/ ? "Use" : "Instead"; next
}
solution && /^```sql/ && label != "" { inblock = 1; block = ""; next }
inblock && /^```/ {
    inblock = 0
    if (label == "Given") given = block
    else if (label == "Use" && dialect != "") {
        n++
        f = out "/" n "." dialect ".sql"
        printf "%s%s", given, block > f
        close(f)
    }
    label = ""; next
}
inblock { block = block $0 "\n"; next }
