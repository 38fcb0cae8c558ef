/* placeholder */ typedef int pt_placeholder_meter_overhead;
int main(void){return 0;}
