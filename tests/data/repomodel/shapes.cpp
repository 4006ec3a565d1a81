#include <string>
#include "shapes.hpp"

namespace geo {

class Shape {
public:
	virtual ~Shape() {}
	virtual double area() const = 0;
	std::string name() const { return "shape"; }
};

struct Point {
	double x, y;
};

class Circle : public Shape {
public:
	explicit Circle(double r) : r_(r) {}
	double area() const override;
private:
	double r_;
};

double
Circle::area() const
{
	return 3.14159 * r_ * r_;
}

template <typename T>
T largest(T a, T b)
{
	return a > b ? a : b;
}

using Radius = double;

}  // namespace geo

int
main()
{
	geo::Circle c(2.0);
	return geo::largest(1, 2) + (int)c.area();
}
