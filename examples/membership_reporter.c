/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder */
int main(void) { return 0; }
