package bank;

import java.util.List;
import bank.model.Customer;

public class Account implements Comparable<Account> {
	public static final int LIMIT = 10;
	private long balance;

	public Account(long balance) {
		this.balance = balance;
	}

	public long deposit(long amount) {
		balance += amount;
		return audit(balance);
	}

	private long audit(long v) {
		return v;
	}

	public int compareTo(Account o) {
		return Long.compare(balance, o.balance);
	}

	interface Listener {
		void changed(Account a);
	}

	enum Kind { SAVINGS, CHECKING }
}
