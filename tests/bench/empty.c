// SPDX-License-Identifier: MIT
/*
 * The baseline for the guard's per-call cost: a C program that does
 * nothing, built with the same compiler and flags as bin/zdm-guard, fed the
 * same stdin.  What the guard costs above this is the guard's own work.
 */
int main(void)
{
	return 0;
}
