/* SPDX-License-Identifier: MIT */
/*
 * test_shell.c - the guard's shell tokenizer and command parser.
 *
 * The guard's sources are not part of libzdm.a, so this file compiles
 * shell.c into itself.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../native/src/guard/shell.c"

static struct zdm_sh_tokens toks;
static struct zdm_sh_script script;

static void lex(const char *s)
{
	memset(&toks, 0, sizeof(toks));
	zdm_sh_lex(s, strlen(s), 0, &toks);
}

static void parse(const char *s)
{
	memset(&script, 0, sizeof(script));
	zdm_sh_parse(s, strlen(s), 0, &script);
}

static void cleanup(void)
{
	zdm_sh_tokens_release(&toks);
	zdm_sh_script_release(&script);
}

TestSuite(shell, .fini = cleanup);

static const char *word(size_t k)
{
	cr_assert_lt(k, toks.count, "token %zu of %zu", k, toks.count);
	cr_assert_eq(toks.items[k].kind, ZDM_SH_WORD, "token %zu is not a word", k);
	return toks.items[k].word.text;
}

static const char *arg(size_t cmd, size_t k)
{
	cr_assert_lt(cmd, script.ncmds);
	cr_assert_lt(k, script.cmds[cmd].argc);
	return script.cmds[cmd].argv[k]->text;
}

Test(shell, splits_plain_words_on_blanks)
{
	lex("psql  -X\t-c select");
	cr_assert_eq(toks.count, 4);
	cr_assert_str_eq(word(0), "psql");
	cr_assert_str_eq(word(3), "select");
}

Test(shell, single_quotes_are_literal)
{
	lex("echo 'a $X \\n \"b\"'");
	cr_assert_str_eq(word(1), "a $X \\n \"b\"");
	cr_assert_eq(toks.items[1].word.nexps, 0);
	cr_assert(toks.items[1].word.flags & ZDM_SH_W_QUOTED);
}

Test(shell, double_quotes_keep_expansions_and_resolve_escapes)
{
	lex("echo \"x \\\"y\\\" \\$z $HOME\"");
	cr_assert_str_eq(word(1), "x \"y\" $z $HOME");
	cr_assert_eq(toks.items[1].word.nexps, 1);
	cr_assert_eq(toks.items[1].word.exps[0].kind, ZDM_SH_PARAM);
	cr_assert_eq(toks.items[1].word.exps[0].quoted, 1);
	cr_assert_eq(toks.items[1].word.exps[0].off, 9);
}

Test(shell, ansi_c_quotes_decode_escapes)
{
	lex("printf $'a\\tb\\n\\x41\\101\\''");
	cr_assert_str_eq(word(1), "a\tb\nAA'");
}

Test(shell, backslash_escapes_outside_quotes)
{
	lex("echo a\\ b \\$X c\\\nd");
	cr_assert_str_eq(word(1), "a b");
	cr_assert_str_eq(word(2), "$X");
	cr_assert_eq(toks.items[2].word.nexps, 0);
	cr_assert_str_eq(word(3), "cd");
}

Test(shell, adjacent_quoted_parts_form_one_word)
{
	lex("ps''ql -c\"ALTER\"' TABLE'\" t\"");
	cr_assert_eq(toks.count, 2);
	cr_assert_str_eq(word(0), "psql");
	cr_assert_str_eq(word(1), "-cALTER TABLE t");
}

Test(shell, comment_runs_to_end_of_line)
{
	lex("ls # psql -c 'DROP TABLE t'\necho a#b");
	cr_assert_eq(toks.count, 4);
	cr_assert_str_eq(word(0), "ls");
	cr_assert_str_eq(toks.items[1].op, "\n");
	cr_assert_str_eq(word(3), "a#b");
}

Test(shell, operators_are_recognised_longest_first)
{
	static const char *const want[] = { "&&", "||", "|&", ";;", ";", "|", "&", "(", ")" };
	size_t k, n = 0;

	lex("a && b || c |& d ;; e ; f | g & (h)");
	for (k = 0; k < toks.count; k++)
		if (toks.items[k].kind == ZDM_SH_OP)
			cr_assert_str_eq(toks.items[k].op, want[n++]);
	cr_assert_eq(n, 9);
}

Test(shell, redirections_with_descriptors)
{
	lex("cmd 2>&1 >out <in >>log &>all <>rw 3<x");
	cr_assert_eq(toks.items[1].kind, ZDM_SH_REDIR);
	cr_assert_str_eq(toks.items[1].op, ">&");
	cr_assert_eq(toks.items[1].fd, 2);
	cr_assert_str_eq(toks.items[3].op, ">");
	cr_assert_eq(toks.items[3].fd, -1);
	cr_assert_str_eq(toks.items[5].op, "<");
	cr_assert_str_eq(toks.items[7].op, ">>");
	cr_assert_str_eq(toks.items[9].op, "&>");
	cr_assert_str_eq(toks.items[11].op, "<>");
	cr_assert_eq(toks.items[13].fd, 3);
}

Test(shell, digits_inside_a_word_are_not_a_descriptor)
{
	lex("echo a2>f");
	cr_assert_str_eq(word(1), "a2");
	cr_assert_eq(toks.items[2].fd, -1);
}

Test(shell, heredoc_body_is_attached_to_its_redirection)
{
	lex("psql <<EOF\nSELECT $X;\nEOF\necho done");
	cr_assert_eq(toks.items[1].kind, ZDM_SH_REDIR);
	cr_assert_str_eq(toks.items[1].op, "<<");
	cr_assert_str_eq(toks.items[1].word.text, "SELECT $X;\n");
	cr_assert_eq(toks.items[1].word.nexps, 1);
	cr_assert_eq(toks.items[1].heredoc_quoted, 0);
	cr_assert_str_eq(word(2), "EOF");
	cr_assert_str_eq(word(4), "echo");
}

Test(shell, quoted_heredoc_delimiter_makes_the_body_literal)
{
	lex("cat <<'SQL'\nit's $(not) run\nSQL\n");
	cr_assert_str_eq(toks.items[1].word.text, "it's $(not) run\n");
	cr_assert_eq(toks.items[1].word.nexps, 0);
	cr_assert_eq(toks.items[1].heredoc_quoted, 1);
}

Test(shell, dash_heredoc_strips_leading_tabs)
{
	lex("cat <<-EOF\n\t\tone\n\ttwo\n\tEOF\n");
	cr_assert_str_eq(toks.items[1].word.text, "one\ntwo\n");
}

Test(shell, two_heredocs_on_one_line_are_read_in_order)
{
	lex("cat <<A <<B\na\nA\nb\nB\n");
	cr_assert_str_eq(toks.items[1].word.text, "a\n");
	cr_assert_str_eq(toks.items[3].word.text, "b\n");
}

Test(shell, unterminated_heredoc_takes_the_rest)
{
	lex("psql <<EOF\nDROP TABLE t;\n");
	cr_assert_str_eq(toks.items[1].word.text, "DROP TABLE t;\n");
	cr_assert(toks.errors & ZDM_SH_E_HEREDOC);
}

Test(shell, here_string_is_a_redirection)
{
	lex("psql <<< 'SELECT 1'");
	cr_assert_str_eq(toks.items[1].op, "<<<");
	cr_assert_str_eq(word(2), "SELECT 1");
}

Test(shell, command_substitution_with_heredoc_and_quote_inside)
{
	lex("git commit -m \"$(cat <<'EOF'\nit's (done)\nEOF\n)\" && psql");
	cr_assert_eq(toks.items[3].word.nexps, 1);
	cr_assert_eq(toks.items[3].word.exps[0].kind, ZDM_SH_CMDSUB);
	cr_assert_str_eq(toks.items[3].word.exps[0].inner, "cat <<'EOF'\nit's (done)\nEOF\n");
	cr_assert_str_eq(toks.items[4].op, "&&");
	cr_assert_str_eq(word(5), "psql");
}

Test(shell, backticks_are_a_substitution)
{
	lex("echo `cat \\`x\\``");
	cr_assert_eq(toks.items[1].word.exps[0].kind, ZDM_SH_CMDSUB);
	cr_assert_str_eq(toks.items[1].word.exps[0].inner, "cat `x`");
}

Test(shell, parameter_forms)
{
	lex("echo $a ${b:-x} $1 $@ $((1+2)) $");
	cr_assert_eq(toks.items[1].word.exps[0].kind, ZDM_SH_PARAM);
	cr_assert_str_eq(word(2), "${b:-x}");
	cr_assert_eq(toks.items[3].word.nexps, 1);
	cr_assert_eq(toks.items[4].word.nexps, 1);
	cr_assert_eq(toks.items[5].word.exps[0].kind, ZDM_SH_ARITH);
	cr_assert_eq(toks.items[6].word.nexps, 0);
}

Test(shell, process_substitution_is_a_word)
{
	lex("diff <(sort a) b");
	cr_assert_eq(toks.items[1].word.exps[0].kind, ZDM_SH_PROCSUB);
	cr_assert_str_eq(toks.items[1].word.exps[0].inner, "sort a");
}

Test(shell, unterminated_quote_is_noted_not_fatal)
{
	lex("psql -c \"DROP TABLE t");
	cr_assert_str_eq(word(2), "DROP TABLE t");
	cr_assert(toks.errors & ZDM_SH_E_QUOTE);
}

Test(shell, deep_nesting_is_bounded)
{
	char buf[4000];
	size_t k, n = 0;

	for (k = 0; k < 600; k++)
		buf[n++] = '$', buf[n++] = '(';
	for (k = 0; k < 600; k++)
		buf[n++] = ')';
	buf[n] = 0;
	lex(buf);
	cr_assert(toks.errors & ZDM_SH_E_DEPTH);
}

Test(shell, glob_and_tilde_are_flagged)
{
	lex("cat ~/m/*.sql '*'");
	cr_assert(toks.items[1].word.flags & ZDM_SH_W_TILDE);
	cr_assert(toks.items[1].word.flags & ZDM_SH_W_GLOB);
	cr_assert_not(toks.items[2].word.flags & ZDM_SH_W_GLOB);
}

Test(shell, powershell_backtick_escapes_and_here_strings)
{
	memset(&toks, 0, sizeof(toks));
	zdm_sh_lex("psql -c \"a`\"b\" @'\nDROP TABLE t;\n'@", 34, ZDM_SH_POWERSHELL, &toks);
	cr_assert_str_eq(word(2), "a\"b");
	cr_assert_str_eq(word(3), "DROP TABLE t;");
}

/* Found by fuzz_shell: the token ran one byte past the input. */
Test(shell, powershell_trailing_backtick_stays_inside_the_input)
{
	memset(&toks, 0, sizeof(toks));
	zdm_sh_lex("echo a`", 7, ZDM_SH_POWERSHELL, &toks);
	cr_assert_eq(toks.count, 2);
	cr_assert_str_eq(word(1), "a`");
	cr_assert_leq(toks.items[1].off + toks.items[1].len, 7);
}

Test(shell, parser_counts_leading_assignments)
{
	parse("PGPASSWORD=x A=b psql -c 'x=y'");
	cr_assert_eq(script.ncmds, 1);
	cr_assert_eq(script.cmds[0].nassign, 2);
	cr_assert_str_eq(arg(0, 2), "psql");
	cr_assert_str_eq(arg(0, 4), "x=y");
}

Test(shell, parser_links_pipes_to_their_producer)
{
	parse("echo a | grep b | psql; ls");
	cr_assert_eq(script.ncmds, 4);
	cr_assert_eq(script.cmds[0].pipe_first, -1);
	cr_assert_eq(script.cmds[1].pipe_first, 0);
	cr_assert_eq(script.cmds[2].pipe_first, 1);
	cr_assert_eq(script.cmds[2].pipe_last, 1);
	cr_assert_eq(script.cmds[3].pipe_first, -1);
	cr_assert_eq(script.cmds[0].conn, ZDM_SH_PIPE);
}

Test(shell, parser_pipes_a_subshell_group)
{
	parse("(echo a; cat f) | psql");
	cr_assert_eq(script.ncmds, 3);
	cr_assert_eq(script.cmds[2].pipe_first, 0);
	cr_assert_eq(script.cmds[2].pipe_last, 1);
	cr_assert_neq(script.cmds[0].sub, 0);
	cr_assert_eq(script.cmds[2].sub, 0);
}

Test(shell, parser_keeps_connectors)
{
	parse("a && b || c & d");
	cr_assert_eq(script.cmds[0].conn, ZDM_SH_AND);
	cr_assert_eq(script.cmds[1].conn, ZDM_SH_OR);
	cr_assert_eq(script.cmds[2].conn, ZDM_SH_BG);
	cr_assert_eq(script.cmds[3].conn, ZDM_SH_SEQ);
}

Test(shell, parser_flattens_compound_commands)
{
	parse("if test -f x; then psql -f x; else echo no; fi\n"
	      "for f in a b; do cat $f; done | psql\n"
	      "while true; do break; done");
	cr_assert_str_eq(arg(0, 0), "test");
	cr_assert_str_eq(arg(1, 0), "psql");
	cr_assert_str_eq(arg(2, 0), "echo");
	cr_assert_str_eq(arg(3, 0), "cat");
	cr_assert_str_eq(arg(4, 0), "psql");
	cr_assert_eq(script.cmds[4].pipe_first, 3);
	cr_assert_str_eq(arg(5, 0), "true");
}

Test(shell, parser_skips_case_patterns)
{
	parse("case $x in a|b) psql -c one ;; *) echo two ;; esac");
	cr_assert_eq(script.ncmds, 2);
	cr_assert_str_eq(arg(0, 0), "psql");
	cr_assert_str_eq(arg(1, 0), "echo");
}

Test(shell, parser_attaches_redirections)
{
	parse("psql app < m.sql > out.txt 2>&1");
	cr_assert_eq(script.cmds[0].argc, 2);
	cr_assert_eq(script.cmds[0].nredirs, 3);
	cr_assert_eq(script.cmds[0].redirs[0].kind, ZDM_SH_R_IN);
	cr_assert_str_eq(script.cmds[0].redirs[0].target->text, "m.sql");
	cr_assert_eq(script.cmds[0].redirs[1].kind, ZDM_SH_R_OUT);
	cr_assert_eq(script.cmds[0].redirs[2].kind, ZDM_SH_R_DUP);
	cr_assert_eq(script.cmds[0].redirs[2].fd, 2);
}

Test(shell, parser_gives_heredoc_bodies_to_the_command)
{
	parse("psql <<'EOF' && echo ok\nDROP TABLE t;\nEOF\n");
	cr_assert_eq(script.ncmds, 2);
	cr_assert_eq(script.cmds[0].redirs[0].kind, ZDM_SH_R_HEREDOC);
	cr_assert_str_eq(script.cmds[0].redirs[0].body->text, "DROP TABLE t;\n");
	cr_assert_eq(script.cmds[0].redirs[0].literal, 1);
}

Test(shell, parser_drops_function_definitions_name)
{
	parse("f() { psql -c x; }; f");
	cr_assert_eq(script.ncmds, 2);
	cr_assert_str_eq(arg(0, 0), "psql");
	cr_assert_str_eq(arg(1, 0), "f");
}

Test(shell, assignment_word_shapes)
{
	struct zdm_sh_word w;

	memset(&w, 0, sizeof(w));
	w.text = "A_1=x", w.len = 5;
	cr_assert(zdm_sh_word_is_assign(&w));
	w.text = "a[2]=x", w.len = 6;
	cr_assert(zdm_sh_word_is_assign(&w));
	w.text = "x+=1", w.len = 4;
	cr_assert(zdm_sh_word_is_assign(&w));
	w.text = "1a=x", w.len = 4;
	cr_assert_not(zdm_sh_word_is_assign(&w));
	w.text = "--opt=x", w.len = 7;
	cr_assert_not(zdm_sh_word_is_assign(&w));
}

Test(shell, empty_and_blank_inputs_give_nothing)
{
	parse("");
	cr_assert_eq(script.ncmds, 0);
	zdm_sh_script_release(&script);
	parse("  \n\t ;; ; \n");
	cr_assert_eq(script.ncmds, 0);
}

Test(shell, parser_records_for_loops)
{
	parse("for f in a.sql 'b c.sql'; do psql -f \"$f\"; done; echo $f");
	cr_assert_eq(script.nloops, 1);
	cr_assert_str_eq(script.loops[0].var, "f");
	cr_assert_eq(script.loops[0].has_in, 1);
	cr_assert_eq(script.loops[0].nwords, 2);
	cr_assert_str_eq(script.loops[0].words[1]->text, "b c.sql");
	cr_assert_eq(script.ncmds, 2);
	cr_assert_eq(script.cmds[0].loop, 0);
	cr_assert_eq(script.cmds[1].loop, -1);
}
