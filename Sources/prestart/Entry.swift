import ArgumentParser
import PrestartCore
import PrestartSystem

@main
enum Entry {
    static func main() async {
        StandardDescriptors.reopenClosed()
        SignalRelay.install()
        await Prestart.main()
    }
}
