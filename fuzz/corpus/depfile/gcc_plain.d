plain.o: plain.c /usr/include/stdc-predef.h
