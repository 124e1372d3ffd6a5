domstats --state --cpu-total --balloon --vcpu --interface --block test
