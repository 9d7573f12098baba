tgt with space $$q\#t ./dot.o: src\ file.c dir\ with\ space/my\ header.h \
  inc/dollar$$hash\#.h inc/back/slash.h \
  inc/a_rather_long_header_name_to_force_line_wrapping_in_the_depfile_output.h
