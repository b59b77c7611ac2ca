import ArgumentParser
import PrestartCore

@main
enum Entry {
    static func main() async {
        StandardDescriptors.reopenClosed()
        SignalRelay.install()
        await Prestart.main()
    }
}
