plain.o: plain.c
