int cc_raw_placeholder(void);
