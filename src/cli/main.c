/* placeholder */ typedef int pt_placeholder_main;
int main(void){return 0;}
