int cc_raw_placeholder(void){return 0;}
